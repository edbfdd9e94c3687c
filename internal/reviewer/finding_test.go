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
