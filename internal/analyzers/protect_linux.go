package analyzers

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Protect makes this process non-dumpable: processes of the same user can
// then no longer open its /proc/<pid>/environ, mem, fd, ... nor trace it,
// so a tool running as the worker's user, or a process such a tool left
// behind, cannot read the worker's secrets from its memory or environment.
// It also disables core dumps. A worker with analyzers calls it at
// start-up, before it runs any; calling it again is harmless.
func Protect() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("make the worker non-dumpable: %w", err)
	}
	return nil
}
