//go:build !linux

package analyzers

// Protect does nothing: only Linux is known to expose a process's
// environment and memory through /proc to processes of the same user.
func Protect() error { return nil }
