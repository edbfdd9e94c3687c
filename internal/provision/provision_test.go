package provision_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestCheckNamesTheContradictingSetting: a process whose setting differs
// from what was provisioned gets a *MismatchError naming the resource, both
// values and the setting, and nothing is changed.
func TestCheckNamesTheContradictingSetting(t *testing.T) {
	t.Parallel()
	base := streams.Config{Memory: true}
	tests := []struct {
		name  string
		scope provision.Scope
		cfg   provision.Config
		want  provision.Mismatch
	}{
		{"ack wait", provision.WorkerScope, provision.Config{Stream: streams.Config{Memory: true, AckWait: 5 * time.Second}},
			provision.Mismatch{Resource: "consumer workers of stream AZREVIEWER_REVIEWS", Field: "ack wait", Want: "5s", Setting: "ACK_WAIT"}},
		{"max deliver", provision.WorkerScope, provision.Config{Stream: streams.Config{Memory: true, MaxDeliver: 2}},
			provision.Mismatch{Resource: "consumer workers of stream AZREVIEWER_REVIEWS", Field: "max deliver", Want: "3", Setting: "MAX_DELIVER + 1"}},
		{"stream bytes", provision.IngestScope, provision.Config{Stream: streams.Config{Memory: true, MaxBytes: 1 << 20}},
			provision.Mismatch{Resource: "stream AZREVIEWER_REVIEWS", Field: "max bytes", Want: "1048576", Setting: "STREAM_MAX_BYTES"}},
		{"stream messages unlimited", provision.IngestScope, provision.Config{Stream: streams.Config{Memory: true, MaxMsgs: -1}},
			provision.Mismatch{Resource: "stream AZREVIEWER_REVIEWS", Field: "max messages", Want: "none", Setting: "STREAM_MAX_MSGS"}},
		{"duplicate window", provision.IngestScope, provision.Config{Stream: streams.Config{Memory: true, DuplicateWindow: time.Minute}},
			provision.Mismatch{Resource: "stream AZREVIEWER_REVIEWS", Field: "duplicate window", Want: "1m0s", Setting: "DUPLICATE_WINDOW"}},
		{"dead-letter age", provision.IngestScope, provision.Config{Stream: streams.Config{Memory: true, DeadLetterMaxAge: time.Hour}},
			provision.Mismatch{Resource: "stream AZREVIEWER_DEAD_LETTERS", Field: "max age", Want: "1h0m0s", Setting: "DEAD_LETTER_MAX_AGE"}},
		{"dead-letter bytes", provision.IngestScope, provision.Config{Stream: streams.Config{Memory: true, DeadLetterMaxBytes: 1 << 20}},
			provision.Mismatch{Resource: "stream AZREVIEWER_DEAD_LETTERS", Field: "max bytes", Want: "1048576", Setting: "DEAD_LETTER_MAX_BYTES"}},
		{"dead-letter messages", provision.IngestScope, provision.Config{Stream: streams.Config{Memory: true, DeadLetterMaxMsgs: 7}},
			provision.Mismatch{Resource: "stream AZREVIEWER_DEAD_LETTERS", Field: "max messages", Want: "7", Setting: "DEAD_LETTER_MAX_MSGS"}},
		{"lease TTL", provision.WorkerScope, provision.Config{Stream: base, LeaseTTL: 5 * time.Second},
			provision.Mismatch{Resource: "bucket azreviewer-leases", Field: "TTL", Want: "5s", Setting: "LEASE_TTL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, base)
			ctx := context.Background()
			before := config(t, b.JS)
			err := provision.Check(ctx, b.JS, tt.cfg, tt.scope)
			var mismatch *provision.MismatchError
			require.True(t, errors.As(err, &mismatch), "%v", err)
			require.Empty(t, mismatch.Missing)
			require.Len(t, mismatch.Mismatches, 1, "%v", err)
			got := mismatch.Mismatches[0]
			require.Equal(t, tt.want.Resource, got.Resource)
			require.Equal(t, tt.want.Field, got.Field)
			require.Equal(t, tt.want.Want, got.Want)
			require.Equal(t, tt.want.Setting, got.Setting)
			require.NotEqual(t, got.Want, got.Have)
			require.Contains(t, err.Error(), "this process is configured for "+tt.want.Want+" ("+tt.want.Setting+")")
			require.Equal(t, before, config(t, b.JS), "checking changes nothing")

			// Provisioning with the setting makes the process agree.
			changes, err := provision.Apply(ctx, b.JS, tt.cfg)
			require.NoError(t, err)
			require.Len(t, changes, 7, "two streams, the consumer and four buckets")
			require.NoError(t, provision.Check(ctx, b.JS, tt.cfg, provision.WorkerScope))
		})
	}
}

// TestIngestScopeIgnoresTheWorkersResources: ingest checks the streams it
// publishes to, not the consumer or buckets, whose settings are the
// workers'.
func TestIngestScopeIgnoresTheWorkersResources(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	cfg := provision.Config{Stream: streams.Config{Memory: true, AckWait: time.Second}, LeaseTTL: time.Second}
	require.NoError(t, provision.Check(context.Background(), b.JS, cfg, provision.IngestScope))
	var mismatch *provision.MismatchError
	require.ErrorAs(t, provision.Check(context.Background(), b.JS, cfg, provision.WorkerScope), &mismatch)
	require.Len(t, mismatch.Mismatches, 2)
}

// TestCheckFindsWhatAnOlderVersionLeft: a review stream made before the
// stream had limits (discard old, no limits) contradicts values no setting
// decides; the message says this version needs them.
func TestCheckFindsWhatAnOlderVersionLeft(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	old := streams.ReviewStream(streams.Config{Memory: true})
	old.Discard = jetstream.DiscardOld
	_, err := b.JS.UpdateStream(ctx, old)
	require.NoError(t, err)
	err = provision.Check(ctx, b.JS, provision.Config{Stream: streams.Config{Memory: true}}, provision.IngestScope)
	var mismatch *provision.MismatchError
	require.ErrorAs(t, err, &mismatch)
	require.Equal(t, []provision.Mismatch{{Resource: "stream AZREVIEWER_REVIEWS", Field: "discard policy", Have: "old", Want: "new"}}, mismatch.Mismatches)
	require.ErrorContains(t, err, "stream AZREVIEWER_REVIEWS has discard policy old; this version of azreviewer needs new: run `worker provision` to change it")

	changes, err := provision.Apply(ctx, b.JS, provision.Config{Stream: streams.Config{Memory: true}})
	require.NoError(t, err)
	require.Equal(t, "updated stream AZREVIEWER_REVIEWS: discard policy old → new", changes[0].String())
}

// TestApplyCreatesOnceAndKeepsFleetsApart: provisioning an empty server
// creates every resource of the fleet, again changes nothing, and a second
// fleet's resources leave the first's alone.
func TestApplyCreatesOnceAndKeepsFleetsApart(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	names, err := fleet.New("other")
	require.NoError(t, err)
	cfg := provision.Config{Stream: streams.Config{Memory: true, Fleet: names}}
	require.ErrorAs(t, provision.Check(ctx, b.JS, cfg, provision.WorkerScope), new(*provision.MismatchError))

	changes, err := provision.Apply(ctx, b.JS, cfg)
	require.NoError(t, err)
	var got []string
	for _, c := range changes {
		got = append(got, c.String())
	}
	require.Equal(t, []string{
		"created stream OTHER_REVIEWS", "created stream OTHER_DEAD_LETTERS", "created consumer workers of stream OTHER_REVIEWS",
		"created bucket other-leases", "created bucket other-review-state", "created bucket other-memory", "created bucket other-budget",
	}, got)
	again, err := provision.Apply(ctx, b.JS, cfg)
	require.NoError(t, err)
	for _, c := range again {
		require.Equal(t, provision.Unchanged, c.Action, c.String())
	}
	require.NoError(t, provision.Check(ctx, b.JS, cfg, provision.WorkerScope))
	require.NoError(t, provision.Check(ctx, b.JS, provision.Config{Stream: streams.Config{Memory: true}}, provision.WorkerScope), "the default fleet is as it was")
	st, err := b.JS.Stream(ctx, "OTHER_REVIEWS")
	require.NoError(t, err)
	require.Equal(t, []string{"other.review.>"}, st.CachedInfo().Config.Subjects)
}

// TestCheckReportsEverythingMissing: on an empty server every resource is
// reported missing at once.
func TestCheckReportsEverythingMissing(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	names, err := fleet.New("none")
	require.NoError(t, err)
	err = provision.Check(context.Background(), b.JS, provision.Config{Stream: streams.Config{Fleet: names}}, provision.WorkerScope)
	var mismatch *provision.MismatchError
	require.ErrorAs(t, err, &mismatch)
	require.Equal(t, []string{"stream NONE_REVIEWS", "stream NONE_DEAD_LETTERS", "consumer workers of stream NONE_REVIEWS",
		"bucket none-leases", "bucket none-review-state", "bucket none-memory", "bucket none-budget"}, mismatch.Missing)
	require.ErrorContains(t, err, "stream NONE_REVIEWS does not exist: run `worker provision`")
}

// config is every stream's configuration on the server, by name, with the
// consumers of each: what a check must leave unchanged.
func config(t *testing.T, js jetstream.JetStream) map[string]any {
	t.Helper()
	ctx := context.Background()
	out := map[string]any{}
	lister := js.ListStreams(ctx)
	for info := range lister.Info() {
		out[info.Config.Name] = info.Config
		st, err := js.Stream(ctx, info.Config.Name)
		require.NoError(t, err)
		consumers := st.ListConsumers(ctx)
		for ci := range consumers.Info() {
			out[info.Config.Name+"/"+ci.Name] = ci.Config
		}
		require.NoError(t, consumers.Err())
	}
	require.NoError(t, lister.Err())
	return out
}

// TestUpgradeToTheReserveDelivery: a consumer an older version made, with
// max deliver MAX_DELIVER and so no delivery in reserve, contradicts this
// version: a worker refuses it, naming "MAX_DELIVER + 1", until `worker
// provision` raises it. JetStream raises it in place: a request in flight
// keeps its delivery count and, nak'ed on what used to be its last
// delivery, is delivered once more.
func TestUpgradeToTheReserveDelivery(t *testing.T) {
	t.Parallel()
	cfg := provision.Config{Stream: streams.Config{Memory: true, AckWait: time.Second, MaxDeliver: 2}}
	b := eventstest.Start(t, cfg.Stream)
	ctx := context.Background()
	older := streams.Consumer(cfg.Stream)
	older.MaxDeliver = cfg.Stream.MaxDeliver
	_, err := b.JS.UpdateConsumer(ctx, b.Stream.CachedInfo().Config.Name, older)
	require.NoError(t, err)
	_, err = b.JS.Publish(ctx, fleet.Names{}.ReviewSubjectPrefix()+"repo-1.7", []byte(`{}`))
	require.NoError(t, err)
	next := func() jetstream.Msg {
		t.Helper()
		msg, err := b.Consumer.Next(jetstream.FetchMaxWait(5 * time.Second))
		require.NoError(t, err)
		return msg
	}
	require.NoError(t, next().Nak())
	held := next() // its last delivery under the older consumer

	err = provision.Check(ctx, b.JS, cfg, provision.WorkerScope)
	var mismatch *provision.MismatchError
	require.ErrorAs(t, err, &mismatch)
	require.Equal(t, []provision.Mismatch{{Resource: "consumer workers of stream AZREVIEWER_REVIEWS", Field: "max deliver",
		Have: "2", Want: "3", Setting: "MAX_DELIVER + 1"}}, mismatch.Mismatches)
	require.ErrorContains(t, err, "has max deliver 2; this process is configured for 3 (MAX_DELIVER + 1): run `worker provision`")

	changes, err := provision.Apply(ctx, b.JS, cfg)
	require.NoError(t, err)
	require.Equal(t, "updated consumer workers of stream AZREVIEWER_REVIEWS: max deliver 2 → 3", changes[2].String())
	require.NoError(t, provision.Check(ctx, b.JS, cfg, provision.WorkerScope))

	require.NoError(t, held.Nak())
	reserve := next()
	md, err := reserve.Metadata()
	require.NoError(t, err)
	require.EqualValues(t, 3, md.NumDelivered, "the count survived the update")
	require.NoError(t, reserve.Term())
	eventstest.WaitMessages(t, b.Stream, 0)
}

// TestRecreatedConsumerDeliversStrandedRequests: a request left in the
// review stream past its consumer's max deliver (by an older version, or a
// dead letter that could not be stored even on the reserve delivery) is
// delivered to no one; deleting the consumer and provisioning again
// delivers it, as a first delivery.
func TestRecreatedConsumerDeliversStrandedRequests(t *testing.T) {
	t.Parallel()
	cfg := provision.Config{Stream: streams.Config{Memory: true, AckWait: time.Second, MaxDeliver: 1}}
	b := eventstest.Start(t, cfg.Stream)
	ctx := context.Background()
	_, err := b.JS.Publish(ctx, fleet.Names{}.ReviewSubjectPrefix()+"repo-1.7", []byte(`{}`))
	require.NoError(t, err)
	for range cfg.Stream.ConsumerMaxDeliver() {
		msg, err := b.Consumer.Next(jetstream.FetchMaxWait(5 * time.Second))
		require.NoError(t, err)
		require.NoError(t, msg.Nak())
	}
	_, err = b.Consumer.Next(jetstream.FetchMaxWait(2 * time.Second))
	require.ErrorIs(t, err, nats.ErrTimeout, "stranded: delivered no more")
	eventstest.WaitMessages(t, b.Stream, 1)

	require.NoError(t, b.JS.DeleteConsumer(ctx, b.Stream.CachedInfo().Config.Name, fleet.Names{}.Consumer()))
	_, err = provision.Apply(ctx, b.JS, cfg)
	require.NoError(t, err)
	cons, err := b.Stream.Consumer(ctx, fleet.Names{}.Consumer())
	require.NoError(t, err)
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	require.NoError(t, err)
	md, err := msg.Metadata()
	require.NoError(t, err)
	require.EqualValues(t, 1, md.NumDelivered)
	require.NoError(t, msg.Ack())
	eventstest.WaitMessages(t, b.Stream, 0)
}
