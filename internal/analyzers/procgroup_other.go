//go:build !unix

package analyzers

import "os/exec"

// setProcessGroup does nothing on systems without process groups; cancelling
// the context kills only the tool itself.
func setProcessGroup(*exec.Cmd) {}
