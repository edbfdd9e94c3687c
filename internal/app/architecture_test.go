package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestArchitectureListsEveryPackage: docs/architecture.md's package table
// names every package of the module, and only those.
func TestArchitectureListsEveryPackage(t *testing.T) {
	t.Parallel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	root := filepath.Join("..", "..")
	cmd := exec.Command(gobin, "list", "./...")
	cmd.Dir = root
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []string
	for _, p := range strings.Fields(string(out)) {
		want = append(want, strings.TrimPrefix(p, "github.com/azreviewer/azreviewer/"))
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	require.NoError(t, err)
	var got []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9/]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		got = append(got, m[1])
	}
	slices.Sort(want)
	slices.Sort(got)
	require.Equal(t, want, got)
}
