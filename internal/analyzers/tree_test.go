package analyzers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
)

// FuzzToolPath checks that a path ToolPath accepts can be written into a
// tree and given to a tool: relative, inside the tree, within the length
// limits, without backslashes or control characters, and never an option.
func FuzzToolPath(f *testing.F) {
	for _, s := range []string{
		"/src/a.go", "/--output=x", "/a\\b", "/" + strings.Repeat("x", 300), "/a//b", "//etc/passwd",
		"/../x", "/a/./b", "/nul\x00", "/new\nline", "/\xff", "/docs/read me.md", "/-", "/@file", "/a/b/c/d.txt",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		rel, reason := analyzers.ToolPath(p)
		if reason != "" {
			require.Empty(t, rel)
			return
		}
		require.NotEmpty(t, rel)
		require.LessOrEqual(t, len(rel), analyzers.MaxPathBytes)
		require.False(t, strings.ContainsRune(rel, '\\'))
		require.Equal(t, -1, strings.IndexFunc(rel, unicode.IsControl))
		require.True(t, filepath.IsLocal(rel))
		require.False(t, strings.HasPrefix("./"+rel, "-"))
		root, err := os.OpenRoot(t.TempDir())
		require.NoError(t, err)
		defer root.Close()
		if d := filepath.Dir(rel); d != "." {
			require.NoError(t, root.MkdirAll(d, 0o755))
		}
		require.NoError(t, root.WriteFile(rel, []byte("x"), 0o644), "%q", rel)
	})
}
