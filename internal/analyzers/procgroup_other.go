//go:build !unix

package analyzers

import (
	"errors"
	"os"
	"os/exec"
)

// prepare does nothing on systems without process groups and credentials.
func prepare(*exec.Cmd, *credential) {}

// killGroup kills only the tool itself; on systems without process groups
// its children are not found.
func killGroup(p *os.Process) error {
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}
