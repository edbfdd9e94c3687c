package secrets_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
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
		{"key head", "/src/k.go", []string{"const k = `", "-----BEGIN RSA PRIVATE" + " KEY-----", "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi0BYOWyTXaZTNOdbSHnJ3oRhAV", "Zk9pL3mN5bV7cX1zA2sD4fG6hJ8kL0qW2eR4tY6uI8oP0aS2dF4gH6jK8lZ0xC2v"}, []int{1, 2, 3}},
		{"gitleaks:allow", "/src/call.sh", []string{`curl -H "Authorization: Bearer ` + token("V") + `" # gitleaks:allow`}, []int{0}},
		{"lock file", "/web/package-lock.json", []string{`"resolved": "https://x.invalid/` + token("W") + `"`}, []int{0}},
		{"title over two lines", "", []string{"Fix the build\n" + token("X")}, []int{0}},
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

// TestThirdPartyPaths: lock files, checksums and vendored code are not
// scanned, but a file does not escape the scanner by a name that merely
// contains one of theirs, as gitleaks' own path allow-list lets it.
func TestThirdPartyPaths(t *testing.T) {
	t.Parallel()
	line := "const t = \"" + token("P") + "\"\n"
	cases := []struct {
		path    string
		scanned bool
	}{
		{"/go.sum", false},
		{"/tools/go.mod", false},
		{"/web/package-lock.json", false},
		{"/web/yarn.lock", false},
		{"/web/node_modules/left-pad/index.js", false},
		{"/vendor/github.com/x/y/z.go", false},
		{"/static/jquery-3.7.1.min.js", false},
		{"/static/bootstrap.bundle.min.js", false},
		{"/.gitleaks.toml", false},
		{"/src/gitleaks.toml.go", true},
		{"/gitleaks.toml/app.go", true},
		{"/src/cargo.mod", true},
		{"/src/mongo.sum", true},
		{"/verification-metadata.xml/keys.py", true},
		{"/DatabaseXrefactorlog/a.cs", true},
		{"/web/bootstrap.js", true},
		{"/web/jquery-setup.js", true},
		{"/src/app.xdll", true},
		{"/node_modules.go", true},
		{"/env/library.py", true},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			fs, err := scanner.Review(context.Background(), diffPR(map[string]string{tc.path: line}))
			require.NoError(t, err)
			require.Equal(t, tc.scanned, len(fs) == 1, "findings: %v", fs)
		})
	}
}

// TestSameRuleEveryTime: when two rules of equal severity flag the same
// line, the finding has the same rule on every review, so that it keeps its
// thread. The detector runs its rules in no fixed order.
func TestSameRuleEveryTime(t *testing.T) {
	t.Parallel()
	pr := diffPR(map[string]string{"/deploy/app.env": "DB_PASSWORD=\"Zq8vR2mK7xW4pL9s\"\n"})
	rules := map[string]bool{}
	for range 40 {
		fs, err := scanner.Review(context.Background(), pr)
		require.NoError(t, err)
		require.Len(t, fs, 1)
		rules[fs[0].Rule] = true
	}
	require.Len(t, rules, 1, "rules reported: %v", rules)
}

// TestLongText: the detector scans a long text in overlapping fragments and
// a long line in overlapping pieces; a secret is found wherever it lies,
// anchored to its own line, and a suppression comment anywhere on a long
// line still counts.
func TestLongText(t *testing.T) {
	t.Parallel()
	filler := strings.Repeat("x", 100) + "\n"
	key := "-----BEGIN RSA PRIVATE" + " KEY-----\n" + strings.Repeat("MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi0BYOWyTXaZTNOdbSHnJ3oRhAV\n", 90) + "-----END RSA PRIVATE" + " KEY-----\n"
	long := strings.Repeat("a=1; ", 20000)
	cases := []struct {
		name string
		body string
		want []string
	}{
		{"key across fragments", strings.Repeat(filler, 600) + key, []string{"/src/a.go:601-692 secret/private-key error"}},
		{"key across line-count fragments", strings.Repeat("\n", 1000) + key, []string{"/src/a.go:1001-1092 secret/private-key error"}},
		{"far along a long line", long + "t = \"" + token("Q") + "\"\n", []string{"/src/a.go:1 secret/github-pat error"}},
		{"on a long line's every piece", long[:40000] + token("R") + long[:40000] + token("S") + "\n" + filler, []string{"/src/a.go:1 secret/github-pat error"}},
		{"after a long line", long + "\n" + "t = \"" + token("T") + "\"\n", []string{"/src/a.go:2 secret/github-pat error"}},
		{"allowed far from the value", "t = \"" + token("U") + "\"; " + long + " // gitleaks:allow\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs, err := scanner.Review(context.Background(), diffPR(map[string]string{"/src/a.go": tc.body}))
			require.NoError(t, err)
			var got []string
			for _, f := range fs {
				got = append(got, reviewertest.Render(f))
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestAnchoringEdges: a finding is on the secret's own added line whatever
// surrounds it: CRLF endings, no final newline, bytes that are not UTF-8 or
// are NUL, text before it in other scripts, runs of one added line between
// unchanged ones, and a suppression comment on the unchanged line above.
func TestAnchoringEdges(t *testing.T) {
	t.Parallel()
	secret := "t = \"" + token("Y") + "\""
	ctxLines := "a\nb\nc\nd\ne\nf\ng\nh\n"
	cases := []struct {
		name      string
		old, head string
		want      []string
	}{
		{"crlf", "", "x\r\ny\r\n" + secret + "\r\nz\r\n", []string{"/src/a.go:3 secret/github-pat error"}},
		{"no final newline", "", "x\n" + secret, []string{"/src/a.go:2 secret/github-pat error"}},
		{"last line of many", "", strings.Repeat("x\n", 2000) + secret + "\n", []string{"/src/a.go:2001 secret/github-pat error"}},
		{"invalid utf-8", "", "x\n\xff\xfe " + secret + " \xc3\n", []string{"/src/a.go:2 secret/github-pat error"}},
		// A NUL in the first 8,000 bytes makes the file binary, not diffed.
		{"nul after the binary sniff", "", strings.Repeat("x\n", 4500) + "\x00 " + secret + " \x00\n", []string{"/src/a.go:4501 secret/github-pat error"}},
		{"other scripts before", "", "x\n日本語の説明 🙂 " + secret + "\n", []string{"/src/a.go:2 secret/github-pat error"}},
		{"runs of one line", ctxLines, "a\n" + secret + "\nb\nc\n" + secret + "\nd\ne\nf\ng\nh\n", []string{"/src/a.go:2 secret/github-pat error", "/src/a.go:5 secret/github-pat error"}},
		{"context line above ignores", "// azreviewer:ignore-next-line\nold\n", "// azreviewer:ignore-next-line\n" + secret + "\n", nil},
		{"deleted and context lines", secret + "\nkeep " + secret + "\n", "keep " + secret + "\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{reviewer.Diff("/src/a.go", "", reviewer.ChangeEdit, []byte(tc.old), []byte(tc.head), reviewer.DiffOptions{})}}
			res := reviewer.Run(context.Background(), pr, scanner)
			require.NoError(t, res.Err())
			require.Zero(t, res.Dropped)
			var got []string
			for _, f := range res.Findings {
				got = append(got, reviewertest.Render(f))
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// TestJudges: the scanner judges its own rules — those of its set and the
// ids of the rules it replaced — on the files it reads: not third-party
// code, nor a file its allow list's paths name.
func TestJudges(t *testing.T) {
	t.Parallel()
	allowing, err := scanner.WithAllow(secrets.Allow{Paths: []string{"config/**"}})
	require.NoError(t, err)
	tests := []struct {
		name string
		s    *secrets.Scanner
		rule string
		path string
		want bool
	}{
		{"a rule of its set", scanner, "secret/github-pat", "/src/app.go", true},
		{"a rule it replaced", scanner, "secret/private-key", "/src/app.go", true},
		{"no such rule", scanner, "secret/no-such-rule", "/src/app.go", false},
		{"another reviewer's rule", scanner, "debug/debugger", "/src/app.go", false},
		{"the bare prefix", scanner, "secret/", "/src/app.go", false},
		{"third-party code", scanner, "secret/github-pat", "/vendor/github.com/x/y/z.go", false},
		{"a path the allow list names", allowing, "secret/github-pat", "/config/app.yaml", false},
		{"a path the allow list does not name", allowing, "secret/github-pat", "/src/app.go", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.s.Judges(tt.rule, tt.path))
		})
	}
}
