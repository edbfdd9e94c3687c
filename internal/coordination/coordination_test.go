package coordination_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

func TestLeases(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	one, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{Owner: "w1", LeaseTTL: time.Second})
	require.NoError(t, err)
	two, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{Owner: "w2", LeaseTTL: time.Second})
	require.NoError(t, err)
	key := coordination.Key("Repo-1", 7)
	require.Equal(t, "pr.repo-1.7", key)

	held, err := one.Acquire(ctx, key)
	require.NoError(t, err)
	_, err = two.Acquire(ctx, key)
	require.ErrorIs(t, err, coordination.ErrLeaseHeld)
	require.NoError(t, held.Refresh(ctx))
	other, err := two.Acquire(ctx, coordination.Key("repo-1", 8))
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
	require.ErrorIs(t, again.Refresh(ctx), coordination.ErrLeaseLost)
	require.NoError(t, again.Release(ctx), "releasing a lost lease is harmless")
}

func TestReviewState(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	c, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{})
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

// TestCoordinationKeyShapeIsPermanent: a key the bucket refuses for its
// shape is a permanent, classified error, whichever call meets it.
func TestCoordinationKeyShapeIsPermanent(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	coord, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	key := coordination.Key("répo", 1)
	_, err = coord.Acquire(ctx, key)
	requireInvalidRequest(t, err)
	_, _, err = coord.LoadState(ctx, key)
	requireInvalidRequest(t, err)
	requireInvalidRequest(t, coord.SaveState(ctx, key, []byte(`{}`)))
}

func requireInvalidRequest(t *testing.T, err error) {
	t.Helper()
	require.True(t, events.IsPermanent(err), "%v", err)
	require.ErrorIs(t, err, jetstream.ErrInvalidKey)
	var invalid *events.InvalidRequestError
	require.True(t, errors.As(err, &invalid), "%v", err)
}

// TestCallsAreBoundedWithinAReview: a lease call sent while its bucket
// cannot reach a quorum (the leader up, both followers down) gives up
// after CallTimeout with the review's context still running, instead of
// waiting — its message kept alive by heartbeats — until the review's
// deadline.
func TestCallsAreBoundedWithinAReview(t *testing.T) {
	t.Parallel()
	cluster := eventstest.StartCluster(t, 3)
	js, err := jetstream.New(cluster.Connect())
	require.NoError(t, err)
	cfg := streams.Config{Replicas: 3}
	var store *coordination.Store
	require.Eventually(t, func() bool {
		store, err = coordination.Ensure(context.Background(), js, cfg, coordination.Config{Owner: "w1"})
		return err == nil
	}, 30*time.Second, 200*time.Millisecond, "R3 buckets")
	info, err := js.Stream(context.Background(), "KV_"+cfg.Fleet.LeaseBucket())
	require.NoError(t, err)
	leader := info.CachedInfo().Cluster.Leader
	require.NotEmpty(t, leader)
	for i := range 3 {
		if fmt.Sprintf("n%d", i) != leader {
			cluster.Stop(i)
		}
	}

	review, cancel := context.WithTimeout(context.Background(), 4*coordination.CallTimeout)
	defer cancel()
	_, err = store.Acquire(review, coordination.Key("repo-1", 1))
	require.Error(t, err)
	require.NoError(t, review.Err(), "the call gave up, not the review: %v", err)
}

// TestHeldLeaseOutlivesTheDefaultTTL: a lease held with the default hold
// settings, in a bucket with the default TTL, is still the holder's after
// one and a half TTLs: the default refresh comes well before it expires
// (a refresh as long as the TTL raced the expiry and lost the lease of a
// review that lasted longer, cancelling the review).
func TestHeldLeaseOutlivesTheDefaultTTL(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := t.Context()
	one, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{Owner: "w1"})
	require.NoError(t, err)
	two, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{Owner: "w2"})
	require.NoError(t, err)
	key := coordination.Key("repo-1", 7)

	held, release, err := coordination.Hold(ctx, one, key, coordination.HoldConfig{})
	require.NoError(t, err)
	defer release()
	select {
	case <-held.Done():
		t.Fatalf("the lease was lost while held: %v", context.Cause(held))
	case <-time.After(coordination.DefaultLeaseTTL * 3 / 2):
	}
	_, err = two.Acquire(ctx, key)
	require.ErrorIs(t, err, coordination.ErrLeaseHeld, "the holder still has the lease")
}
