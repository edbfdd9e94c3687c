package reviewer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/reviewer/reviewertest"
)

// TestRulesFixtures runs the built-in rules on every testdata/rules/*.txt
// fixture and compares the findings with its "want" section, one
// "PATH:LINE[-END] RULE SEVERITY" per line, in Run's order. Each fixture
// puts the flagged text on added lines and also on context and deleted
// lines, where it must not be flagged: Dropped must stay 0, since the rules
// must not even report what Run would drop.
func TestRulesFixtures(t *testing.T) {
	t.Parallel()
	reviewertest.RunFixtures(t, filepath.Join("testdata", "rules", "*.txt"), reviewer.Rules())
}

// TestRulesDogfood: the package's own sources give no finding.
func TestRulesDogfood(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("*.go")
	require.NoError(t, err)
	pr := &reviewer.PullRequest{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue // tests hold rule inputs
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		pr.Files = append(pr.Files, reviewer.Diff("/internal/reviewer/"+p, "", reviewer.ChangeAdd, nil, data, reviewer.DiffOptions{}))
	}
	res := reviewer.Run(context.Background(), pr, reviewer.Rules())
	require.NoError(t, res.Err())
	require.Empty(t, res.Findings)
}

// TestRulesSkipsSkippedFiles: binary and too-large files give no finding.
func TestRulesSkipsSkippedFiles(t *testing.T) {
	t.Parallel()
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
		reviewer.Diff("/a.js", "", reviewer.ChangeAdd, nil, []byte("console.log(1)\x00\n"), reviewer.DiffOptions{}),
		reviewer.Diff("/b.js", "", reviewer.ChangeAdd, nil, []byte("console.log(1)\n"), reviewer.DiffOptions{MaxFileBytes: 5}),
	}}
	findings, err := reviewer.Rules().Review(context.Background(), pr)
	require.NoError(t, err)
	require.Empty(t, findings)
	require.Equal(t, reviewer.RulesName, reviewer.Rules().Name())
}
