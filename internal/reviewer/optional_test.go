package reviewer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// plain is a Reviewer with nothing optional.
type plain struct{}

func (plain) Name() string { return "plain" }
func (plain) Review(context.Context, *reviewer.PullRequest) ([]reviewer.Finding, error) {
	return nil, nil
}

// noting is a Reviewer with a note.
type noting struct{ plain }

func (noting) Notes() string { return "a note" }

// wrapped wraps a Reviewer, as a tracing wrapper does.
type wrapped struct{ reviewer.Reviewer }

func (w wrapped) Unwrap() reviewer.Reviewer { return w.Reviewer }

func TestAs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    reviewer.Reviewer
		want bool
	}{
		{"itself", noting{}, true},
		{"through one wrapper", wrapped{noting{}}, true},
		{"through two", wrapped{wrapped{noting{}}}, true},
		{"not implemented", wrapped{plain{}}, false},
		{"a wrapper of nothing", wrapped{}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := reviewer.As[reviewer.Noter](tt.r)
			require.Equal(t, tt.want, ok)
			if ok {
				require.Equal(t, "a note", n.Notes())
			}
		})
	}
}

// partial is a Reviewer that left files unjudged; fail makes its Review
// fail, panic its Unjudged panic.
type partial struct {
	name        string
	fail, panic bool
}

func (p partial) Name() string { return p.name }
func (p partial) Review(context.Context, *reviewer.PullRequest) ([]reviewer.Finding, error) {
	if p.fail {
		return nil, errors.New("failed")
	}
	return nil, nil
}
func (p partial) Unjudged() []reviewer.Unjudged {
	if p.panic {
		panic("no list")
	}
	return []reviewer.Unjudged{{Path: "/" + p.name + ".go", Rules: p.name}}
}

// TestRunUnjudged: Run lists what each Partial reviewer that succeeded
// left unjudged, through wrappers; one that failed lists nothing, and one
// whose Unjudged panics fails.
func TestRunUnjudged(t *testing.T) {
	t.Parallel()
	res := reviewer.Run(context.Background(), nil,
		partial{name: "a"}, wrapped{partial{name: "b"}}, partial{name: "c", fail: true}, partial{name: "d", panic: true}, plain{})
	require.Equal(t, []reviewer.Unjudged{{Path: "/a.go", Rules: "a"}, {Path: "/b.go", Rules: "b"}}, res.Unjudged)
	require.Equal(t, []string{"a", "b", "plain"}, res.Ran)
	require.Len(t, res.Failed, 2)
	require.Equal(t, "d", res.Failed[1].Reviewer)
}

func TestUnjudgedCovers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rules, rule string
		want        bool
	}{
		{"llm", "llm/bug", true},
		{"llm", "llm", true},
		{"llm", "llmx/bug", false},
		{"llm", "secret/github-pat", false},
		{"semgrep", "semgrep/python.eval", true},
		{"semgrep", "semgre", false},
		{"llm", "", true},
		{"", "secret/github-pat", true},
	}
	for _, tt := range tests {
		t.Run(tt.rules+" "+tt.rule, func(t *testing.T) {
			require.Equal(t, tt.want, reviewer.Unjudged{Path: "/a", Rules: tt.rules}.Covers(tt.rule))
		})
	}
}
