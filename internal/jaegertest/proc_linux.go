//go:build linux

package jaegertest

import (
	"os/exec"
	"syscall"
)

// setSysProcAttr makes the kernel SIGKILL Jaeger if the test binary dies
// without running its cleanups (a test timeout panic, a kill -9), so that no
// orphan keeps the ports.
func setSysProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
