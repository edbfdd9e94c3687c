package reviewer_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// TestRuleEnginesStopWithTheCause: the built-in rules and rules defined
// with NewRules run in one engine and stop alike once the review's context
// is done, answering with its cause (the review's deadline, say).
func TestRuleEnginesStopWithTheCause(t *testing.T) {
	t.Parallel()
	custom, err := reviewer.NewRules("custom", []reviewer.LineRule{{
		ID: "custom/todo", Severity: reviewer.SeverityWarning, Message: "a TODO", Pattern: regexp.MustCompile(`TODO`),
	}})
	require.NoError(t, err)
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{{
		Path: "/main.go", Hunks: []reviewer.Hunk{{Lines: []reviewer.Line{{Kind: reviewer.Added, New: 1, Text: "// TODO " + strings.Repeat("x", 100)}}}},
	}}}
	cause := errors.New("the review's deadline")
	for _, r := range []reviewer.Reviewer{reviewer.Rules(), custom} {
		t.Run(r.Name(), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(cause)
			findings, err := r.Review(ctx, pr)
			require.ErrorIs(t, err, cause)
			require.Empty(t, findings)
		})
	}
}

// TestLineRules: a LineRule flags added lines its pattern matches, in the
// files it applies to, honouring the suppression comments as the built-in
// rules do; NewRules refuses a rule without a pattern.
func TestLineRules(t *testing.T) {
	t.Parallel()
	r, err := reviewer.NewRules("custom", []reviewer.LineRule{{
		ID: "custom/fixme", Severity: reviewer.SeverityInfo, Message: "a FIXME", Pattern: regexp.MustCompile(`FIXME`),
		Applies: func(p string) bool { return strings.HasSuffix(p, ".go") },
	}})
	require.NoError(t, err)
	require.Equal(t, "custom", r.Name())
	lines := []reviewer.Line{
		{Kind: reviewer.Added, New: 1, Text: "FIXME one"},
		{Kind: reviewer.Context, New: 2, Text: "FIXME context"},
		{Kind: reviewer.Added, New: 3, Text: "FIXME " + reviewer.IgnoreMarker},
		{Kind: reviewer.Added, New: 4, Text: "// " + reviewer.IgnoreNextMarker},
		{Kind: reviewer.Added, New: 5, Text: "FIXME after the marker"},
		{Kind: reviewer.Added, New: 6, Text: "FIXME FIXME twice"},
	}
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
		{Path: "/a.go", Hunks: []reviewer.Hunk{{Lines: lines}}},
		{Path: "/a.md", Hunks: []reviewer.Hunk{{Lines: lines}}},
	}}
	findings, err := r.Review(context.Background(), pr)
	require.NoError(t, err)
	var got []int
	for _, f := range findings {
		require.Equal(t, "/a.go", f.Path)
		require.Equal(t, "custom/fixme", f.Rule)
		require.Equal(t, reviewer.SeverityInfo, f.Severity)
		got = append(got, f.StartLine)
	}
	require.Equal(t, []int{1, 6}, got)

	_, err = reviewer.NewRules("custom", []reviewer.LineRule{{ID: "custom/none", Severity: reviewer.SeverityInfo, Message: "m"}})
	require.ErrorContains(t, err, "pattern is required")
}
