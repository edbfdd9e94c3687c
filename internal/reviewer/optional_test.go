package reviewer_test

import (
	"context"
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
