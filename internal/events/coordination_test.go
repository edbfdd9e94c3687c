package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
)

func TestLeases(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true})
	ctx := context.Background()
	one, err := events.EnsureCoordination(ctx, b.JS, events.StreamConfig{Memory: true}, events.CoordinationConfig{Owner: "w1", LeaseTTL: time.Second})
	require.NoError(t, err)
	two, err := events.EnsureCoordination(ctx, b.JS, events.StreamConfig{Memory: true}, events.CoordinationConfig{Owner: "w2", LeaseTTL: time.Second})
	require.NoError(t, err)
	key := events.PullRequestKey("Repo-1", 7)
	require.Equal(t, "pr.repo-1.7", key)

	held, err := one.Acquire(ctx, key)
	require.NoError(t, err)
	_, err = two.Acquire(ctx, key)
	require.ErrorIs(t, err, events.ErrLeaseHeld)
	require.NoError(t, held.Refresh(ctx))
	other, err := two.Acquire(ctx, events.PullRequestKey("repo-1", 8))
	require.NoError(t, err, "leases are per pull request")
	require.NoError(t, other.Release(ctx))

	require.NoError(t, held.Release(ctx))
	again, err := two.Acquire(ctx, key)
	require.NoError(t, err, "a released lease can be taken")

	// A holder that stops refreshing loses the lease when it expires.
	require.Eventually(t, func() bool {
		_, err := one.Acquire(ctx, key)
		return err == nil
	}, 10*time.Second, 50*time.Millisecond)
	require.ErrorIs(t, again.Refresh(ctx), events.ErrLeaseLost)
	require.NoError(t, again.Release(ctx), "releasing a lost lease is harmless")
}

func TestReviewState(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true})
	ctx := context.Background()
	c, err := events.EnsureCoordination(ctx, b.JS, events.StreamConfig{Memory: true}, events.CoordinationConfig{})
	require.NoError(t, err)
	_, found, err := c.LoadState(ctx, "pr.r.1")
	require.NoError(t, err)
	require.False(t, found)
	require.NoError(t, c.SaveState(ctx, "pr.r.1", []byte(`{"iteration":2}`)))
	got, found, err := c.LoadState(ctx, "pr.r.1")
	require.NoError(t, err)
	require.True(t, found)
	require.JSONEq(t, `{"iteration":2}`, string(got))
}
