//go:build !linux

package analyzers

// killUser does nothing: only Linux's /proc is known here to list the
// processes of a user. Processes that left a tool's process group survive
// it on other systems.
func killUser(int) error { return nil }

// CheckUnused cannot list processes on this system and accepts the ids.
func (u *Users) CheckUnused() error { return nil }

// sharedDirs are not looked at on this system.
func sharedDirs() []string { return nil }

// removeFilesOf does nothing on this system.
func removeFilesOf(int, []string) error { return nil }
