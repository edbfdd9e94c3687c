package coordination_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
)

// TestIndexEditedInPlaceIsSaved: a state loaded, one of its index entries
// changed in place (the thread closed), and saved: the change must be
// stored. SaveReview copies the stored line of every entry equal to one of
// the loaded index, so Findings must not share that index's memory: were
// it the same slice, the edited entry would equal itself and its old line
// would be copied.
func TestIndexEditedInPlaceIsSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := setupStore(t)
	st := coordination.ReviewState{Iteration: 2, Indexed: true, Findings: findings(3, func(i int) string { return fmt.Sprintf("/f%d.js", i) })}
	require.NoError(t, c.SaveReview(ctx, "pr.x.1", st))
	got, err := c.LoadReview(ctx, "pr.x.1")
	require.NoError(t, err)
	require.True(t, got.Findings[0].Open)
	got.Findings[0].Open = false
	got.Findings[0].Path, got.Findings[0].Severity = "", ""
	require.NoError(t, c.SaveReview(ctx, "pr.x.1", got))
	again, err := c.LoadReview(ctx, "pr.x.1")
	require.NoError(t, err)
	require.False(t, again.Findings[0].Open, "the thread closed in place is stored closed: %+v", again.Findings[0])
}
