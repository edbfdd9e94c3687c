package coordination_test

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestStateEpoch: the state bucket's epoch is written by the first reader
// and then the same for every worker; a running worker's next read sees a
// later one once the bucket has lost its states — deleted and created
// again, or its stream purged — and a worker reading a bucket that holds
// states but no epoch (one an earlier version created) gets one of now,
// later than those states.
func TestStateEpoch(t *testing.T) {
	t.Parallel()
	cfg := streams.Config{Memory: true}
	bucket := cfg.Fleet.StateBucket()
	tests := []struct {
		name string
		lose func(t *testing.T, ctx context.Context, js jetstream.JetStream)
	}{
		{"bucket deleted and created again", func(t *testing.T, ctx context.Context, js jetstream.JetStream) {
			require.NoError(t, js.DeleteKeyValue(ctx, bucket))
			_, err := coordination.Ensure(ctx, js, cfg, coordination.Config{})
			require.NoError(t, err)
		}},
		{"stream purged", func(t *testing.T, ctx context.Context, js jetstream.JetStream) {
			s, err := js.Stream(ctx, "KV_"+bucket)
			require.NoError(t, err)
			require.NoError(t, s.Purge(ctx))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := eventstest.Start(t, cfg)
			one, err := coordination.Ensure(ctx, b.JS, cfg, coordination.Config{Owner: "w1"})
			require.NoError(t, err)
			// States an earlier version saved, before there was an epoch.
			require.NoError(t, one.SaveReview(ctx, "pr.r.1", coordination.ReviewState{Iteration: 1}))
			first, err := one.StateEpoch(ctx)
			require.NoError(t, err)
			st, err := b.JS.KeyValue(ctx, bucket)
			require.NoError(t, err)
			saved, err := st.Get(ctx, "pr.r.1")
			require.NoError(t, err)
			require.True(t, first.After(saved.Created()), "the epoch is later than the states saved before it")

			two, err := coordination.Open(ctx, b.JS, cfg, coordination.Config{Owner: "w2"})
			require.NoError(t, err)
			again, err := two.StateEpoch(ctx)
			require.NoError(t, err)
			require.True(t, first.Equal(again), "one epoch for the fleet, written once: %v, then %v", first, again)

			tt.lose(t, ctx, b.JS)
			later, err := one.StateEpoch(ctx)
			require.NoError(t, err)
			require.True(t, later.After(first), "a running worker sees the new epoch: %v, then %v", first, later)
			st1, err := one.LoadReview(ctx, "pr.r.1")
			require.NoError(t, err)
			require.True(t, st1.Absent, "the state is lost with the bucket")
		})
	}
}

// TestCreateReview: CreateReview writes a state only where none is stored
// — absent, LoadReview says of the key before — without its index, and
// refuses with ErrStateExists where one is, which it leaves as it is; a
// state that cannot be decoded is not absent.
func TestCreateReview(t *testing.T) {
	t.Parallel()
	c := setupStore(t)
	ctx := context.Background()
	none, err := c.LoadReviewed(ctx, "pr.r.1")
	require.NoError(t, err)
	require.True(t, none.Absent)

	mark := coordination.ReviewState{Posting: true, Indexed: true, Findings: findings(2, func(int) string { return "/a.js" }), IgnoredRules: []string{"r"}}
	require.NoError(t, c.CreateReview(ctx, "pr.r.1", mark))
	got, err := c.LoadReview(ctx, "pr.r.1")
	require.NoError(t, err)
	require.False(t, got.Absent)
	require.True(t, got.Posting)
	require.False(t, got.Indexed, "stored without an index")
	require.Empty(t, got.Findings)
	require.Equal(t, []string{"r"}, got.IgnoredRules)
	require.Equal(t, coordination.ReviewStateVersion, got.Version)

	err = c.CreateReview(ctx, "pr.r.1", coordination.ReviewState{Iteration: 9})
	require.ErrorIs(t, err, coordination.ErrStateExists)
	got, err = c.LoadReview(ctx, "pr.r.1")
	require.NoError(t, err)
	require.Zero(t, got.Iteration, "the stored state is left as it is")

	require.NoError(t, c.SaveState(ctx, "pr.r.2", []byte("{not json")))
	bad, err := c.LoadReview(ctx, "pr.r.2")
	require.ErrorIs(t, err, coordination.ErrUnreadableState)
	require.False(t, bad.Absent, "an unreadable state is not absent")
	require.ErrorIs(t, c.CreateReview(ctx, "pr.r.2", mark), coordination.ErrStateExists)
}

// TestStateEpochOfASourcedBucket: a state bucket whose states arrive from
// another — it mirrors or sources one, as a standby's may — has no epoch
// to trust: a state missing there may only be late.
func TestStateEpochOfASourcedBucket(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := streams.Config{Memory: true}
	b := eventstest.Start(t, cfg)
	_, err := b.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "primary-state", Storage: jetstream.MemoryStorage})
	require.NoError(t, err)
	if _, err := b.JS.KeyValue(ctx, cfg.Fleet.StateBucket()); err == nil {
		require.NoError(t, b.JS.DeleteKeyValue(ctx, cfg.Fleet.StateBucket()))
	}
	if _, err := b.JS.KeyValue(ctx, cfg.Fleet.LeaseBucket()); err != nil {
		_, err = b.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: cfg.Fleet.LeaseBucket(), Storage: jetstream.MemoryStorage})
		require.NoError(t, err)
	}
	_, err = b.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: cfg.Fleet.StateBucket(), Storage: jetstream.MemoryStorage,
		Sources: []*jetstream.StreamSource{{Name: "primary-state"}}})
	require.NoError(t, err)
	store, err := coordination.Open(ctx, b.JS, cfg, coordination.Config{})
	require.NoError(t, err)
	_, err = store.StateEpoch(ctx)
	require.ErrorIs(t, err, coordination.ErrEpochUntrusted)
}
