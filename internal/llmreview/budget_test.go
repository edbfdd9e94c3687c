package llmreview_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// countedBudget is a reviewer.Budget of left requests, counting what it
// is asked, or failing every reservation with err.
type countedBudget struct {
	mu       sync.Mutex
	left     int
	err      error
	asked    []int
	returned int
}

func (b *countedBudget) Reserve(_ context.Context, n int) (reviewer.Grant, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asked = append(b.asked, n)
	if b.err != nil {
		return reviewer.Grant{}, b.err
	}
	g := min(n, b.left)
	b.left -= g
	return reviewer.Grant{Granted: g, Limit: 50, Window: time.Hour, Renews: time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC)}, nil
}

func (b *countedBudget) Return(_ context.Context, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.returned += n
	b.left += n
}

// TestReviewBudget: a review reserves its requests, all at once, before
// it sends any, and sends only those granted, the first in pull-request
// order; the files of the others are not sent, are unjudged and are
// named in the note with the budget and when it renews. A budget that
// cannot be read sends nothing and fails the review.
func TestReviewBudget(t *testing.T) {
	t.Parallel()
	const spentNote = `the organisation's LLM budget of 50 requests per 1h0m0s is spent until 2026-01-01 11:00 UTC`
	tests := []struct {
		name        string
		left        int
		err         error
		maxRequests int
		wantAsked   []int
		wantSent    int
		wantNote    string
	}{
		{"room for every request", 10, nil, 0, []int{6}, 6, ""},
		{"room for two", 2, nil, 0, []int{6}, 2,
			`Not reviewed by the model (` + spentNote + `): 4 changed files, "/f02.go", "/f03.go", "/f04.go", "/f05.go"; the other reviewers reviewed them.`},
		{"spent", 0, nil, 0, []int{6}, 0, `Not reviewed by the model (` + spentNote + `): 6 changed files`},
		{"both bounds", 2, nil, 4, []int{4}, 2, `(at most 4 requests per review; ` + spentNote + `): 4 changed files`},
		{"not readable", 10, errors.New("nats: timeout"), 0, []int{6}, 0,
			`Not reviewed by the model (the organisation's LLM budget could not be read): 6 changed files`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
			r := newReviewer(t, srv, func(c *llmreview.Config) {
				c.MaxInputTokens = llmreview.MinMaxInputTokens
				c.MaxRequests = tt.maxRequests
			})
			b := &countedBudget{left: tt.left, err: tt.err}
			p := r.PerReview("", "")
			p.SetContext(reviewer.ReviewContext{Budget: b})
			_, err := p.Review(testCtx(t), bigPR(6, 20))
			require.Equal(t, tt.wantAsked, b.asked, "one reservation of every request")
			require.Len(t, srv.recorded(), tt.wantSent, "exactly the requests granted")
			require.NoError(t, err)
			require.Zero(t, b.returned)
			var unjudged []string
			for _, u := range p.Unjudged() {
				require.Equal(t, llmreview.Name, u.Rules)
				unjudged = append(unjudged, u.Path)
			}
			var want []string
			for i := tt.wantSent; i < 6; i++ {
				want = append(want, fmt.Sprintf("/f%02d.go", i))
			}
			require.Equal(t, want, unjudged)
			if tt.wantNote == "" {
				require.NotContains(t, p.Notes(), "Not reviewed by the model")
				return
			}
			require.Contains(t, p.Notes(), tt.wantNote)
			require.True(t, strings.HasPrefix(p.Notes(), fmt.Sprintf("LLM: %d requests", tt.wantSent)), p.Notes())
		})
	}
}

// TestReviewBudgetReturnsUnsent: a review stopped before it sent its
// requests gives their reservation back.
func TestReviewBudgetReturnsUnsent(t *testing.T) {
	t.Parallel()
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	r := newReviewer(t, srv, func(c *llmreview.Config) { c.MaxInputTokens = llmreview.MinMaxInputTokens })
	b := &countedBudget{left: 10}
	p := r.PerReview("", "")
	p.SetContext(reviewer.ReviewContext{Budget: b})
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	_, err := p.Review(ctx, bigPR(3, 20))
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, srv.recorded())
	require.Equal(t, 3, b.returned)
	require.Equal(t, 10, b.left)
}
