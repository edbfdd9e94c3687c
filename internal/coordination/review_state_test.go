package coordination_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

func setupStore(t *testing.T) *coordination.Store {
	t.Helper()
	b := eventstest.Start(t, streams.Config{Memory: true})
	c, err := coordination.Ensure(context.Background(), b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	return c
}

func findings(n int, path func(int) string) []coordination.IndexedThread {
	out := make([]coordination.IndexedThread, n)
	for i := range out {
		out[i] = coordination.IndexedThread{Fingerprint: fmt.Sprintf("%032x", i), ID: i + 1, Path: path(i), Severity: "warning", Open: i%2 == 0}
	}
	return out
}

// TestReviewStateRoundTrip: a saved state reads back as saved (without its
// index through LoadReviewed), of this version, trusted while it is
// indexed and no post is under way; bounds
// apply on save — past them the index is left out and the state is not
// trusted, so the next review reads the thread list in full.
func TestReviewStateRoundTrip(t *testing.T) {
	t.Parallel()
	short := func(i int) string { return fmt.Sprintf("/src/f%d.js", i) }
	long := func(i int) string { return "/" + strings.Repeat("d", 400) + fmt.Sprintf("/f%d.js", i) }
	tests := []struct {
		name        string
		state       coordination.ReviewState
		wantIndexed bool
		wantTrusted bool
		wantCovered int
	}{
		{"indexed", coordination.ReviewState{Iteration: 2, Indexed: true, Summary: 9, SummaryKey: "2@c", Findings: findings(3, short)}, true, true, 0},
		{"posting", coordination.ReviewState{Iteration: 2, Indexed: true, Posting: true, Findings: findings(3, short)}, true, false, 0},
		{"not indexed", coordination.ReviewState{Iteration: 2}, false, false, 0},
		{"3,000 threads fit", coordination.ReviewState{Indexed: true, Findings: findings(3000, short)}, true, true, 0},
		{"past the count", coordination.ReviewState{Indexed: true, Findings: findings(coordination.MaxIndexedThreads+1, short)}, false, false, 0},
		{"past the bytes", coordination.ReviewState{Indexed: true, Findings: findings(2000, long)}, false, false, 0},
		{"covered cut to the newest", coordination.ReviewState{Covered: make([]string, coordination.MaxCovered+5)}, false, false, coordination.MaxCovered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := setupStore(t)
			ctx := context.Background()
			tt.state.ReviewedAt = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
			tt.state.ListedAt = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
			require.NoError(t, c.SaveReview(ctx, "pr.r.1", tt.state))
			got, err := c.LoadReview(ctx, "pr.r.1")
			require.NoError(t, err)
			require.True(t, tt.state.ListedAt.Equal(got.ListedAt), "when the thread list was read: %v", got.ListedAt)
			require.Equal(t, coordination.ReviewStateVersion, got.Version)
			require.Equal(t, tt.wantIndexed, got.Indexed)
			require.Equal(t, tt.wantTrusted, got.Trusted())
			require.Len(t, got.Covered, tt.wantCovered)
			reviewed, err := c.LoadReviewed(ctx, "pr.r.1")
			require.NoError(t, err)
			require.Equal(t, got.Iteration, reviewed.Iteration)
			require.Equal(t, got.Covered, reviewed.Covered)
			require.Empty(t, reviewed.Findings, "what was reviewed, without the index")
			require.False(t, reviewed.Trusted())
			if tt.wantIndexed {
				require.Equal(t, tt.state.Findings, got.Findings)
				require.Equal(t, tt.state.Summary, got.Summary)
			} else {
				require.Empty(t, got.Findings)
				require.Zero(t, got.Summary)
			}
		})
	}
}

// TestReviewStateOfEarlierReleases: a state an earlier release wrote (no
// version, no index) is read for what it has and is not trusted; none is
// the zero state, absent; one that cannot be decoded is the zero state with
// ErrUnreadableState.
func TestReviewStateOfEarlierReleases(t *testing.T) {
	t.Parallel()
	c := setupStore(t)
	ctx := context.Background()
	none, err := c.LoadReview(ctx, "pr.r.0")
	require.NoError(t, err)
	require.Equal(t, coordination.ReviewState{Absent: true}, none)

	old, err := os.ReadFile("testdata/state-v0.json")
	require.NoError(t, err)
	require.NoError(t, c.SaveState(ctx, "pr.r.1", old))
	st, err := c.LoadReview(ctx, "pr.r.1")
	require.NoError(t, err)
	require.Equal(t, 3, st.Iteration)
	require.True(t, st.Covers("c2"))
	require.Equal(t, []string{"debug/console-log"}, st.IgnoredRules)
	require.Zero(t, st.Version)
	require.False(t, st.Trusted(), "an earlier release's state has no index")

	require.NoError(t, c.SaveState(ctx, "pr.r.2", []byte("{not json")))
	st, err = c.LoadReview(ctx, "pr.r.2")
	require.ErrorIs(t, err, coordination.ErrUnreadableState)
	require.Equal(t, coordination.ReviewState{}, st)
}

// TestHoldWaitsThenGivesUp: Hold takes a free lease, waits for a held one
// for at most Wait (ErrLeaseBusy), and the lease is free again once
// released.
func TestHoldWaitsThenGivesUp(t *testing.T) {
	t.Parallel()
	c := setupStore(t)
	ctx := context.Background()
	cfg := coordination.HoldConfig{Wait: 300 * time.Millisecond, Refresh: 50 * time.Millisecond}
	_, release, err := coordination.Hold(ctx, c, "pr.r.1", cfg)
	require.NoError(t, err)
	_, _, err = coordination.Hold(ctx, c, "pr.r.1", cfg)
	require.ErrorIs(t, err, coordination.ErrLeaseBusy)
	release()
	_, again, err := coordination.Hold(ctx, c, "pr.r.1", cfg)
	require.NoError(t, err, "released")
	again()
}

// TestStateStaysReadableByEarlierReleases: what is stored under the pull
// request's key stays the JSON earlier releases read (their fields as
// they were), the index kept under a key of its own; an index that is not
// the one the state was saved with (rewritten since, as a review that died
// before saving its state leaves it) is not trusted.
func TestStateStaysReadableByEarlierReleases(t *testing.T) {
	t.Parallel()
	c := setupStore(t)
	ctx := context.Background()
	st := coordination.ReviewState{Iteration: 4, SourceCommit: "c4", Covered: []string{"c3", "c4"}, IgnoredRules: []string{"r"},
		Indexed: true, Findings: findings(3, func(i int) string { return fmt.Sprintf("/f%d", i) })}
	require.NoError(t, c.SaveReview(ctx, "pr.r.1", st))

	data, found, err := c.LoadState(ctx, "pr.r.1")
	require.NoError(t, err)
	require.True(t, found)
	var earlier struct {
		Iteration    int       `json:"iteration"`
		SourceCommit string    `json:"source_commit"`
		Covered      []string  `json:"covered"`
		IgnoredRules []string  `json:"ignored_rules"`
		ReviewedAt   time.Time `json:"reviewed_at"`
	}
	require.NoError(t, json.Unmarshal(data, &earlier), "an earlier release reads the state")
	require.Equal(t, 4, earlier.Iteration)
	require.Equal(t, []string{"c3", "c4"}, earlier.Covered)
	require.Equal(t, []string{"r"}, earlier.IgnoredRules)

	got, err := c.LoadReview(ctx, "pr.r.1")
	require.NoError(t, err)
	require.True(t, got.Trusted())
	require.NoError(t, c.SaveState(ctx, "pr.r.1.threads", []byte("ab\t9\t1\twarning\t/x\n")))
	got, err = c.LoadReview(ctx, "pr.r.1")
	require.NoError(t, err)
	require.False(t, got.Trusted(), "an index of another revision")
	require.Equal(t, 4, got.Iteration)
}

// TestReviewStateKeepsBaseVersions: a state keeps the common commit's
// versions it names, within MaxBaseFiles and MaxBaseBytes; past either it
// is saved without them, and the rest of the state is kept.
func TestReviewStateKeepsBaseVersions(t *testing.T) {
	t.Parallel()
	blobs := func(n, pathBytes int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[fmt.Sprintf("/%s%d", strings.Repeat("p", pathBytes), i)] = strings.Repeat("a", 40)
		}
		return m
	}
	tests := []struct {
		name     string
		blobs    map[string]string
		wantKept bool
	}{
		{"kept", map[string]string{"/a.js": strings.Repeat("b", 40), "/new.js": ""}, true},
		{"1,000 files fit", blobs(coordination.MaxBaseFiles, 10), true},
		{"past the count", blobs(coordination.MaxBaseFiles+1, 10), false},
		{"past the bytes", blobs(400, 400), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := setupStore(t)
			ctx := context.Background()
			st := coordination.ReviewState{Iteration: 3, SourceCommit: "c3", Bases: &coordination.BaseVersions{Iteration: 3, Commit: "base", Blobs: tt.blobs}}
			require.NoError(t, c.SaveReview(ctx, "pr.r.1", st))
			got, err := c.LoadReview(ctx, "pr.r.1")
			require.NoError(t, err)
			require.Equal(t, 3, got.Iteration)
			if !tt.wantKept {
				require.Nil(t, got.Bases)
				return
			}
			require.Equal(t, st.Bases, got.Bases)
		})
	}
}
