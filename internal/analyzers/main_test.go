package analyzers_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Built in TestMain, in a directory every user can read, since the tools
// run as nobody when the tests run as root.
var (
	// testDir holds the binaries and copies of the SARIF fixtures.
	testDir string
	// fakeTool is the path of the compiled testdata/faketool.
	fakeTool string
	// probeWorker is the path of the compiled testdata/probeworker.
	probeWorker string
	// uidBase is the first of the 64 user ids these tests run tools as,
	// derived from the test process's id so that two test processes at
	// once (other checkouts) hardly ever share one: the ids' processes are
	// killed after every run.
	uidBase int
	// testUsers are the first 16 of them, for the tests that need no pool
	// of their own.
	testUsers *analyzers.Users
)

// newReviewer is [analyzers.NewReviewer] with a.Users set to testUsers
// when it has none.
func newReviewer(a analyzers.Analyzer, files analyzers.Files) reviewer.Reviewer {
	if a.Users == nil {
		a.Users = testUsers
	}
	return analyzers.NewReviewer(a, files)
}

// usersAt returns a pool of n ids from uidBase+offset on.
func usersAt(t testing.TB, offset, n int) *analyzers.Users {
	t.Helper()
	u, err := analyzers.NewUsers(uidBase+offset, uidBase+offset+n-1)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

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
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testDir = dir
	uidBase = 400000 + os.Getpid()%4096*64
	if testUsers, err = analyzers.NewUsers(uidBase, uidBase+15); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fakeTool = filepath.Join(dir, "faketool")
	probeWorker = filepath.Join(dir, "probeworker")
	for bin, pkg := range map[string]string{fakeTool: "./testdata/faketool", probeWorker: "./testdata/probeworker"} {
		build := exec.Command("go", "build", "-o", bin, pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build", pkg+":", err)
			return 1
		}
	}
	fixtures, _ := filepath.Glob("testdata/*.sarif")
	for _, f := range fixtures {
		data, err := os.ReadFile(f)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	if err := os.Setenv(secretEnv, "very-secret-token"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// sharedDir returns a fresh directory every user can write to, removed
// after the test.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(testDir, "shared-*")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}
