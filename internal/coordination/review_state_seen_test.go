package coordination_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestReviewStateKeepsTheStreamPosition: the review stream's position a
// state is saved with reads back through LoadReview and LoadReviewed; a
// state without one (an earlier release's) has none; and what is stored
// stays readable by the release before it, which knows no position: it
// reads the rest of the state as this release saved it (testdata holds
// such a state, as saved).
func TestReviewStateKeepsTheStreamPosition(t *testing.T) {
	t.Parallel()
	c := setupStore(t)
	ctx := context.Background()
	seen := &streams.Position{Stream: "AZREVIEWER_REVIEWS", Created: time.Date(2026, 11, 2, 9, 0, 0, 123, time.UTC),
		Sequence: 41, At: time.Date(2026, 12, 1, 10, 0, 0, 456, time.UTC)}
	st := coordination.ReviewState{Iteration: 3, SourceCommit: "c3", Covered: []string{"c1", "c2", "c3"}, Seen: seen}
	require.NoError(t, c.SaveReview(ctx, "pr.r.1", st))
	for name, load := range map[string]func(context.Context, string) (coordination.ReviewState, error){"LoadReview": c.LoadReview, "LoadReviewed": c.LoadReviewed} {
		got, err := load(ctx, "pr.r.1")
		require.NoError(t, err, name)
		require.Equal(t, seen, got.Seen, name)
	}

	old, err := os.ReadFile("testdata/state-v0.json")
	require.NoError(t, err)
	require.NoError(t, c.SaveState(ctx, "pr.r.2", old))
	got, err := c.LoadReviewed(ctx, "pr.r.2")
	require.NoError(t, err)
	require.Nil(t, got.Seen, "an earlier release kept no position")

	// What this release stores, as the release before it decodes it: its
	// ReviewState without Seen, through encoding/json, which skips the
	// fields it does not know.
	data, _, err := c.LoadState(ctx, "pr.r.1")
	require.NoError(t, err)
	saved, err := os.ReadFile("testdata/state-v2-seen.json")
	require.NoError(t, err)
	require.JSONEq(t, string(saved), string(data), "the stored form")
	var before struct {
		Version      int       `json:"version,omitempty"`
		Iteration    int       `json:"iteration"`
		SourceCommit string    `json:"source_commit"`
		Covered      []string  `json:"covered"`
		ReviewedAt   time.Time `json:"reviewed_at"`
	}
	require.NoError(t, json.Unmarshal(data, &before))
	require.Equal(t, coordination.ReviewStateVersion, before.Version, "the version is unchanged: the position is optional")
	require.Equal(t, 3, before.Iteration)
	require.Equal(t, []string{"c1", "c2", "c3"}, before.Covered)
}
