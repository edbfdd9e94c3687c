//go:build unix

package analyzers

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// prepare makes cmd start in its own process group, as owner (with no
// supplementary groups) when owner is set.
func prepare(cmd *exec.Cmd, owner *credential) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if owner != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(owner.uid), Gid: uint32(owner.gid), Groups: []uint32{}}
	}
}

// killGroup kills every process left in the process group p leads. A group
// that is already empty is not an error.
func killGroup(p *os.Process) error {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}
