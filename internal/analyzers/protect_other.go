//go:build !linux

package analyzers

// protectProcess does nothing: only Linux is known to expose a process's
// environment and memory through /proc to processes of the same user.
func protectProcess() error { return nil }
