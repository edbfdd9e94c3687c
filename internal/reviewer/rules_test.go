package reviewer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// fixturePR builds a pull request from the file sections of a rules
// fixture: "PATH.old" and "PATH.new" are the two sides of PATH (a missing
// side makes an add or a delete), in order of first appearance.
func fixturePR(t *testing.T, sections []section) (pr *reviewer.PullRequest, want []string) {
	t.Helper()
	type sides struct{ old, new *string }
	var order []string
	files := map[string]*sides{}
	for _, s := range sections {
		if s.name == "want" {
			for l := range strings.Lines(s.data) {
				if l = strings.TrimSpace(l); l != "" {
					want = append(want, l)
				}
			}
			continue
		}
		path, side, ok := cutLast(s.name, ".")
		require.True(t, ok && (side == "old" || side == "new"), "section %q is not PATH.old, PATH.new or want", s.name)
		if files[path] == nil {
			files[path] = &sides{}
			order = append(order, path)
		}
		data := s.data
		if side == "old" {
			files[path].old = &data
		} else {
			files[path].new = &data
		}
	}
	pr = &reviewer.PullRequest{}
	for _, path := range order {
		s, change := files[path], reviewer.ChangeEdit
		var oldData, newData []byte
		switch {
		case s.old == nil:
			change, newData = reviewer.ChangeAdd, []byte(*s.new)
		case s.new == nil:
			change, oldData = reviewer.ChangeDelete, []byte(*s.old)
		default:
			oldData, newData = []byte(*s.old), []byte(*s.new)
		}
		pr.Files = append(pr.Files, reviewer.Diff(path, "", change, oldData, newData, reviewer.DiffOptions{}))
	}
	return pr, want
}

// cutLast splits s around its last sep.
func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// longToken matches runs of the characters a secret is made of, at least
// 10 long and with a digit.
var longToken = regexp.MustCompile(`[A-Za-z+/=_-]*[0-9][A-Za-z0-9+/=_-]*`)

// TestRulesFixtures runs the built-in rules on every testdata/rules/*.txt
// fixture and compares the findings with its "want" section, one
// "PATH:LINE[-END] RULE SEVERITY" per line, in Run's order. Each fixture
// puts the flagged text on added lines and also on context and deleted
// lines, where it must not be flagged: Dropped must stay 0, since the rules
// must not even report what Run would drop.
func TestRulesFixtures(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "rules", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			_, sections := readArchive(t, path)
			pr, want := fixturePR(t, sections)
			require.NotEmpty(t, want, "every fixture shows its rules firing")
			res := reviewer.Run(context.Background(), pr, reviewer.Rules())
			require.NoError(t, res.Err())
			require.Zero(t, res.Dropped, "the rules flagged lines that are not added lines")
			var got []string
			for _, f := range res.Findings {
				lines := fmt.Sprint(f.StartLine)
				if f.EndLine != f.StartLine {
					lines += fmt.Sprintf("-%d", f.EndLine)
				}
				got = append(got, fmt.Sprintf("%s:%s %s %s", f.Path, lines, f.Rule, f.Severity))
				requireNoQuote(t, pr, f)
			}
			require.Equal(t, want, got)
		})
	}
}

// requireNoQuote fails when the finding's message quotes a long token of
// the lines it flags (a secret, for the secret rules).
func requireNoQuote(t *testing.T, pr *reviewer.PullRequest, f reviewer.Finding) {
	t.Helper()
	for _, d := range pr.Files {
		if d.Path != f.Path {
			continue
		}
		for _, h := range d.Hunks {
			for _, l := range h.Lines {
				if l.Kind != reviewer.Added || l.New < f.StartLine || l.New > f.EndLine {
					continue
				}
				for _, tok := range longToken.FindAllString(l.Text, -1) {
					if len(tok) < 10 {
						continue
					}
					require.NotContains(t, f.Message, tok, "%s:%d: the message quotes the flagged text", f.Path, l.New)
				}
			}
		}
	}
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
