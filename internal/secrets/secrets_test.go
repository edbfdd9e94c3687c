package secrets_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/reviewer/reviewertest"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// scanner is built once: building compiles some 230 rules.
var scanner = secrets.MustNew()

// TestFixtures runs the scanner on every testdata/*.txt fixture and compares
// the findings with its want section. Each fixture also puts secrets on
// context and deleted lines, where they must not be flagged: Dropped stays
// 0, since the scanner must not even report what Run would drop. No message
// quotes what it flags.
func TestFixtures(t *testing.T) {
	t.Parallel()
	reviewertest.RunFixtures(t, filepath.Join("testdata", "*.txt"), scanner)
}

// diffPR returns a pull request adding the files of head, path to content.
func diffPR(head map[string]string) *reviewer.PullRequest {
	pr := &reviewer.PullRequest{}
	for _, p := range slices.Sorted(maps.Keys(head)) {
		pr.Files = append(pr.Files, reviewer.Diff(p, "", reviewer.ChangeAdd, nil, []byte(head[p]), reviewer.DiffOptions{}))
	}
	return pr
}

// token builds a GitHub token-shaped value whose last character is c, so
// that a literal in this file is not itself one.
func token(c string) string { return "ghp" + "_Xb3kq9ZrT2mWv8LpYc4NdH6sJfA1uE0gR7i" + c }

// TestAllow: what an allow-list names is not reported, and nothing else is
// dropped.
func TestAllow(t *testing.T) {
	t.Parallel()
	pr := diffPR(map[string]string{
		"/src/a.go":        "package a\n\nconst one = \"" + token("A") + "\"\nconst two = \"" + token("B") + "\"\n",
		"/src/gen/keys.go": "package gen\n\nconst three = \"" + token("C") + "\"\n",
	})
	cases := []struct {
		name  string
		allow secrets.Allow
		want  []string
	}{
		{"nothing", secrets.Allow{}, []string{"/src/a.go:3", "/src/a.go:4", "/src/gen/keys.go:3"}},
		{"paths", secrets.Allow{Paths: []string{"src/gen/**"}}, []string{"/src/a.go:3", "/src/a.go:4"}},
		{"leading slash", secrets.Allow{Paths: []string{"/src/gen/*.go"}}, []string{"/src/a.go:3", "/src/a.go:4"}},
		{"values", secrets.Allow{Values: []string{`7iA$`}}, []string{"/src/a.go:4", "/src/gen/keys.go:3"}},
		{"stopwords", secrets.Allow{Stopwords: []string{"R7IB"}}, []string{"/src/a.go:3", "/src/gen/keys.go:3"}},
		{"all", secrets.Allow{Paths: []string{"src/gen/**"}, Values: []string{`7iA$`}, Stopwords: []string{"7ib"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := scanner.WithAllow(tc.allow)
			require.NoError(t, err)
			fs, err := s.Review(context.Background(), pr)
			require.NoError(t, err)
			var got []string
			for _, f := range fs {
				got = append(got, fmt.Sprintf("%s:%d", f.Path, f.StartLine))
			}
			require.Equal(t, tc.want, got)
		})
	}
	t.Run("allow-lists add up", func(t *testing.T) {
		s1, err := scanner.WithAllow(secrets.Allow{Paths: []string{"src/gen/**"}})
		require.NoError(t, err)
		s2, err := s1.WithAllow(secrets.Allow{Values: []string{`7iA$`}})
		require.NoError(t, err)
		fs, err := s2.Review(context.Background(), pr)
		require.NoError(t, err)
		require.Len(t, fs, 1)
		require.Equal(t, 4, fs[0].StartLine)
	})
	t.Run("invalid", func(t *testing.T) {
		_, err := scanner.WithAllow(secrets.Allow{Values: []string{"("}})
		require.ErrorContains(t, err, "allowed value pattern")
		_, err = scanner.WithAllow(secrets.Allow{Paths: []string{"src/[a"}})
		require.ErrorContains(t, err, "not a valid glob")
	})
}

// TestLines: masking finds what the rules find and more, whatever the file
// and the comments say.
func TestLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		path  string
		lines []string
		want  []int // indexes of the lines that hold a secret
	}{
		{"format", "/src/a.go", []string{"x := 1", `t := "` + token("D") + `" // azreviewer:ignore`}, []int{1}},
		{"in a test file", "/src/a_test.go", []string{`t := "` + token("E") + `"`}, []int{0}},
		{"weak password", "/src/db.py", []string{`password = "hunter2"`, `password = "changeme"`, `password = "${DB}"`}, []int{0}},
		{"key tail", "/src/k.go", []string{"const k = `", "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi0BYOWyTXaZTNOdbSHnJ3oRhAV", "-----END RSA PRIVATE" + " KEY-----", "`"}, []int{1, 2}},
		{"key file", "/deploy/id_rsa", []string{"MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi0BYOWyTXaZTNOdbSHnJ3oRhAV", "", "not base64!"}, []int{0}},
		{"nothing", "/src/a.go", []string{"func f() {}", "return token"}, nil},
		{"none", "/src/a.go", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hit := scanner.Lines(tc.path, tc.lines)
			require.Len(t, hit, len(tc.lines))
			var got []int
			for i, h := range hit {
				if h {
					got = append(got, i)
				}
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestConcurrentUse: one Scanner serves many reviews at once (run with
// -race), each getting the same findings as alone.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	pr := diffPR(map[string]string{"/src/a.go": "package a\n\nconst one = \"" + token("F") + "\"\n"})
	alone, err := scanner.Review(context.Background(), pr)
	require.NoError(t, err)
	require.Len(t, alone, 1)
	var wg sync.WaitGroup
	results := make([][]reviewer.Finding, 8)
	for i := range results {
		wg.Go(func() {
			results[i], _ = scanner.Review(context.Background(), pr)
			scanner.Lines("/src/a.go", []string{"x"})
		})
	}
	wg.Wait()
	for _, r := range results {
		require.Equal(t, alone, r)
	}
}

// TestCancelled: a cancelled review returns the context's error.
func TestCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := scanner.Review(ctx, diffPR(map[string]string{"/a.go": token("G")}))
	require.ErrorIs(t, err, context.Canceled)
}

// TestFindingsCarryFormerRules: every finding names the rule ids the
// hand-written secret rules used, so that their threads are recognised.
func TestFindingsCarryFormerRules(t *testing.T) {
	t.Parallel()
	fs, err := scanner.Review(context.Background(), diffPR(map[string]string{"/src/a.go": "const t = \"" + token("H") + "\"\n"}))
	require.NoError(t, err)
	require.Len(t, fs, 1)
	require.Contains(t, fs[0].FormerRules, "secret/hardcoded-credential")
	require.NotContains(t, fs[0].FormerRules, fs[0].Rule)
	require.Equal(t, len(fs[0].FormerRules)+1, len(fs[0].Fingerprints()))
}
