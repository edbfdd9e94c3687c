package reviewer_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// fingerprintOf diffs oldText against newText at path, flags the given
// new-side lines with rule, and returns the kept finding's fingerprint.
func fingerprintOf(t *testing.T, path, rule, oldText, newText string, start, end int) string {
	t.Helper()
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
		reviewer.Diff(path, "", reviewer.ChangeEdit, []byte(oldText), []byte(newText), reviewer.DiffOptions{}),
	}}
	f := reviewer.Finding{Path: path, StartLine: start, EndLine: end, Rule: rule, Severity: reviewer.SeverityError, Message: "m"}
	res := reviewer.Run(context.Background(), pr, stubReviewer{name: "stub", findings: []reviewer.Finding{f}})
	require.Len(t, res.Findings, 1)
	return res.Findings[0].Fingerprint()
}

// TestFingerprint: the fingerprint ignores line numbers and surrounding
// white space, and changes with the rule, the path or the flagged text.
func TestFingerprint(t *testing.T) {
	t.Parallel()
	const old = "a\nb\n"
	base := fingerprintOf(t, "/f.js", "r", old, "a\nb\nbad()\n", 3, 3)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), base)
	tests := []struct {
		name       string
		path, rule string
		newText    string
		start, end int
		same       bool
	}{
		{name: "lines shifted down", path: "/f.js", rule: "r", newText: "x\ny\na\nb\nbad()\n", start: 5, end: 5, same: true},
		{name: "re-indented", path: "/f.js", rule: "r", newText: "a\nb\n\t  bad()  \n", start: 3, end: 3, same: true},
		{name: "other text", path: "/f.js", rule: "r", newText: "a\nb\nworse()\n", start: 3, end: 3},
		{name: "other rule", path: "/f.js", rule: "s", newText: "a\nb\nbad()\n", start: 3, end: 3},
		{name: "other path", path: "/g.js", rule: "r", newText: "a\nb\nbad()\n", start: 3, end: 3},
		{name: "more lines", path: "/f.js", rule: "r", newText: "a\nb\nbad()\nbad()\n", start: 3, end: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := fingerprintOf(t, tt.path, tt.rule, old, tt.newText, tt.start, tt.end)
			if tt.same {
				require.Equal(t, base, got)
			} else {
				require.NotEqual(t, base, got)
			}
		})
	}
}

// TestFingerprintStable pins the fingerprint of a fixed finding: stored
// fingerprints (in posted comments) must keep matching across releases.
func TestFingerprintStable(t *testing.T) {
	t.Parallel()
	got := fingerprintOf(t, "/src/app.js", "debug/console-log", "", "console.log(x)\n", 1, 1)
	require.Equal(t, "d85b8d7e536b493125d404fc32cfc9fe", got)
	// Without a content hash, the message stands in for the text.
	f := reviewer.Finding{Path: "/a", StartLine: 1, Rule: "r", Message: "m"}
	g := f
	g.StartLine, g.EndLine = 40, 41
	require.Equal(t, f.Fingerprint(), g.Fingerprint())
	g.Message = "n"
	require.NotEqual(t, f.Fingerprint(), g.Fingerprint())
}

// TestFingerprintRepeats: identical findings in one file get one fingerprint
// each, numbered in line order; the first keeps the fingerprint a lone
// finding has, and lines added above keep them all.
func TestFingerprintRepeats(t *testing.T) {
	t.Parallel()
	const bad = "console.log(x)\n"
	lone := fingerprintOf(t, "/src/app.js", "debug/console-log", "", bad, 1, 1)
	tests := []struct {
		name    string
		newText string
		lines   []int
		want    []string
	}{
		{name: "one", newText: bad, lines: []int{1}, want: []string{lone}},
		{name: "two", newText: bad + "ok()\n" + bad, lines: []int{1, 3}, want: []string{lone, lone + "#2"}},
		{name: "two, re-indented", newText: "  " + bad + bad, lines: []int{1, 2}, want: []string{lone, lone + "#2"}},
		{name: "lines added above", newText: "a()\nb()\n" + bad + "ok()\n" + bad, lines: []int{3, 5}, want: []string{lone, lone + "#2"}},
		{name: "three, found out of order", newText: bad + bad + bad, lines: []int{3, 1, 2}, want: []string{lone, lone + "#2", lone + "#3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
				reviewer.Diff("/src/app.js", "", reviewer.ChangeAdd, nil, []byte(tt.newText), reviewer.DiffOptions{}),
			}}
			var found []reviewer.Finding
			for _, l := range tt.lines {
				// A reviewer's own Repeat is ignored: Run numbers them.
				found = append(found, reviewer.Finding{Path: "/src/app.js", StartLine: l, Rule: "debug/console-log", Severity: reviewer.SeverityError, Message: "m", Repeat: 7})
			}
			res := reviewer.Run(context.Background(), pr, stubReviewer{name: "stub", findings: found})
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Fingerprint())
			}
			require.Equal(t, tt.want, got)
		})
	}
}
