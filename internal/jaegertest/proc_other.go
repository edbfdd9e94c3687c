//go:build !linux

package jaegertest

import "os/exec"

// setSysProcAttr does nothing here: only Linux has a parent-death signal.
func setSysProcAttr(*exec.Cmd) {}
