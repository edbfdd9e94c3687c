package reviewer_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// judging is a Reviewer that judges the rules beginning with prefix on
// the files ending with suffix; fail makes its Review fail, panic its
// Judges panic.
type judging struct {
	name, prefix, suffix string
	fail, panic          bool
}

func (j judging) Name() string { return j.name }
func (j judging) Review(context.Context, *reviewer.PullRequest) ([]reviewer.Finding, error) {
	if j.fail {
		return nil, context.DeadlineExceeded
	}
	return nil, nil
}
func (j judging) Judges(rule, path string) bool {
	if j.panic {
		panic("no answer")
	}
	return strings.HasPrefix(rule, j.prefix) && strings.HasSuffix(path, j.suffix)
}

// partialJudge is a judging reviewer that left /left.js unjudged.
type partialJudge struct{ judging }

func (p partialJudge) Unjudged() []reviewer.Unjudged {
	return []reviewer.Unjudged{{Path: "/left.js", Rules: p.name}}
}

// TestCoverage: a finding was looked for when a reviewer that ran owns
// its rule and judges its file — as its Judge says, through wrappers, or
// by its name for a reviewer that is none — and no reviewer left the file
// unjudged for it; the rules of reviewers that failed, did not run or
// whose Judges panics, and the unknown rule, were not.
func TestCoverage(t *testing.T) {
	t.Parallel()
	res := reviewer.Run(context.Background(), nil,
		wrapped{judging{name: "rules", prefix: "debug/", suffix: ".js"}},
		partialJudge{judging{name: "tool", prefix: "tool/"}},
		judging{name: "flaky", prefix: "flaky/", fail: true},
		judging{name: "odd", prefix: "odd/", panic: true},
		plain{},
	)
	require.Equal(t, []string{"rules", "tool", "odd", "plain"}, res.Ran)
	cov := res.Coverage()
	tests := []struct {
		name, rule, path string
		want             bool
	}{
		{"a Judge's rule on its files, through a wrapper", "debug/debugger", "/a.js", true},
		{"a Judge's rule on another file", "debug/debugger", "/a.py", false},
		{"a rule no reviewer owns", "custom/no-todo", "/a.js", false},
		{"a rule of a reviewer that failed", "flaky/x", "/a.js", false},
		{"a rule of a reviewer not run", "llm/bug", "/a.js", false},
		{"a Judge that panics", "odd/x", "/a.js", false},
		{"a file its reviewer judged", "tool/x", "/a.go", true},
		{"a file its reviewer left unjudged", "tool/x", "/left.js", false},
		{"a file another reviewer left unjudged", "debug/debugger", "/left.js", true},
		{"by name: the name", "plain", "/a.txt", true},
		{"by name: under the name", "plain/x", "/a.txt", true},
		{"by name: another name that begins alike", "plainer/x", "/a.txt", false},
		{"the unknown rule", "", "/a.js", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, cov.Judged(tt.rule, tt.path))
		})
	}
	t.Run("unjudged for every rule", func(t *testing.T) {
		t.Parallel()
		res := reviewer.Result{Unjudged: []reviewer.Unjudged{{Path: "/a.js"}}}
		require.False(t, res.Coverage().Judged("debug/debugger", "/a.js"))
	})
	t.Run("the zero Coverage", func(t *testing.T) {
		t.Parallel()
		require.False(t, reviewer.Coverage{}.Judged("debug/debugger", "/a.js"))
	})
}

// TestRulesJudge: the built-in rules judge their own ids on the files
// each applies to, by path; a rule set made with NewRules judges its rules
// on the paths their Applies takes.
func TestRulesJudge(t *testing.T) {
	t.Parallel()
	builtin, ok := reviewer.As[reviewer.Judge](reviewer.Rules())
	require.True(t, ok)
	custom, err := reviewer.NewRules("custom", []reviewer.LineRule{
		{ID: "custom/no-todo", Severity: reviewer.SeverityWarning, Message: "m", Pattern: regexp.MustCompile("TODO"),
			Applies: func(p string) bool { return strings.HasSuffix(p, ".go") }},
		{ID: "custom/no-fixme", Severity: reviewer.SeverityWarning, Message: "m", Pattern: regexp.MustCompile("FIXME")},
	})
	require.NoError(t, err)
	customJudge, ok := reviewer.As[reviewer.Judge](custom)
	require.True(t, ok)
	tests := []struct {
		name  string
		judge reviewer.Judge
		rule  string
		path  string
		want  bool
	}{
		{"a JavaScript rule on JavaScript", builtin, "debug/debugger", "/src/app.js", true},
		{"a JavaScript rule on Python", builtin, "debug/debugger", "/src/app.py", false},
		{"a rule on every file", builtin, "conflict/marker", "/README.txt", true},
		{"no such rule", builtin, "debug/nope", "/src/app.js", false},
		{"another reviewer's rule", builtin, "secret/github-pat", "/src/app.js", false},
		{"a custom rule on its paths", customJudge, "custom/no-todo", "/a.go", true},
		{"a custom rule off its paths", customJudge, "custom/no-todo", "/a.js", false},
		{"a custom rule without paths", customJudge, "custom/no-fixme", "/a.js", true},
		{"a custom rule removed", customJudge, "custom/no-hack", "/a.go", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.judge.Judges(tt.rule, tt.path))
		})
	}
}

// varying is a judging reviewer whose findings vary (a model's), or
// that says they do not.
type varying struct {
	judging
	varies bool
}

func (v varying) Varies() bool { return v.varies }

// TestCoverageVaries: a rule varies when a reviewer that ran, owns it on
// the file and is a Varying that says so — through a wrapper too; the
// rules of other reviewers, of one that says it does not vary, of one
// that failed, and the unknown rule, do not.
func TestCoverageVaries(t *testing.T) {
	t.Parallel()
	res := reviewer.Run(context.Background(), nil,
		wrapped{varying{judging{name: "llm", prefix: "llm/"}, true}},
		varying{judging{name: "steady", prefix: "steady/"}, false},
		varying{judging{name: "down", prefix: "down/", fail: true}, true},
		judging{name: "rules", prefix: "debug/", suffix: ".js"},
		plain{},
	)
	require.Equal(t, []string{"llm", "steady", "rules", "plain"}, res.Ran)
	cov := res.Coverage()
	tests := []struct {
		name, rule, path string
		want             bool
	}{
		{"a Varying's rule, through a wrapper", "llm/bug", "/a.js", true},
		{"a Varying's rule on any file", "llm/correctness", "/a.py", true},
		{"a Varying that says it does not vary", "steady/x", "/a.js", false},
		{"a Varying that failed", "down/x", "/a.js", false},
		{"a Judge's rule", "debug/debugger", "/a.js", false},
		{"by name", "plain/x", "/a.txt", false},
		{"a rule no reviewer owns", "custom/no-todo", "/a.js", false},
		{"the unknown rule", "", "/a.js", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, cov.Varies(tt.rule, tt.path))
		})
	}
	t.Run("the zero Coverage", func(t *testing.T) {
		t.Parallel()
		require.False(t, reviewer.Coverage{}.Varies("llm/bug", "/a.js"))
	})
}
