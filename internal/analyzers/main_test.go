package analyzers_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// fakeTool is the path of the compiled testdata/faketool.
var fakeTool string

// secretEnv is set in the test process; no tool may see it.
const secretEnv = "AZDO_PAT"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "analyzers-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	fakeTool = filepath.Join(dir, "faketool")
	build := exec.Command("go", "build", "-o", fakeTool, "./testdata/faketool")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build faketool:", err)
		return 1
	}
	if err := os.Setenv(secretEnv, "very-secret-token"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
