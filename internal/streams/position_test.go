package streams_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestPositionPrecedesWhatWasStoredBeforeIt: a stream's position, read
// from JetStream, precedes the deliveries of the messages stored before
// the read, and neither a message stored after it, nor one of another
// stream, nor one of the same stream deleted and created again.
func TestPositionPrecedesWhatWasStoredBeforeIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := eventstest.Start(t, streams.Config{Memory: true})
	pub := events.NewPublisher(b.JS, fleet.Names{})
	positions := streams.NewStreamPositions(b.Stream)

	for _, c := range []string{"c1", "c2"} {
		_, err := pub.Publish(ctx, eventstest.Request(7, c))
		require.NoError(t, err)
	}
	pos, err := positions.Position(ctx)
	require.NoError(t, err)
	require.Equal(t, b.Stream.CachedInfo().Config.Name, pos.Stream)
	require.EqualValues(t, 2, pos.Sequence)
	require.False(t, pos.At.IsZero(), "the server's time of the read")
	_, err = pub.Publish(ctx, eventstest.Request(7, "c3"))
	require.NoError(t, err)
	got := deliveries(t, b.Stream, 3)

	again := recreate(t, b)
	_, err = events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(7, "c4"))
	require.NoError(t, err)
	recreated := deliveries(t, again, 1)
	require.EqualValues(t, 1, recreated[0].Sequence, "the sequences start again")

	tests := []struct {
		name string
		d    *streams.Delivery
		want bool
	}{
		{"the first message", got[0], true},
		{"the last message before the read", got[1], true},
		{"a message stored after the read", got[2], false},
		{"another stream's message", &streams.Delivery{Stream: "OTHER", Sequence: 1, Stored: got[0].Stored}, false},
		{"a message of the stream created again", recreated[0], false},
		// A stream restored from an older snapshot keeps its name and its
		// creation time, and numbers its messages from the snapshot's last.
		{"a message numbered again by a restored stream", &streams.Delivery{Stream: pos.Stream, Sequence: 1, Stored: pos.At.Add(time.Second)}, false},
		// Two servers of a cluster whose clocks differ (a new stream
		// leader) may store a later message with an earlier time.
		{"a later message stored at an earlier time", &streams.Delivery{Stream: pos.Stream, Sequence: pos.Sequence + 1, Stored: pos.At.Add(-time.Second)}, false},
		{"no delivery", nil, false},
		{"a delivery without a sequence", &streams.Delivery{Stream: pos.Stream, Stored: got[0].Stored}, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, pos.Precedes(tt.d), tt.name)
	}
	require.False(t, streams.Position{}.Precedes(got[0]), "an unknown position precedes nothing")

	now, err := streams.NewStreamPositions(again).Position(ctx)
	require.NoError(t, err)
	require.False(t, now.Created.Equal(pos.Created), "a stream created again is another stream")
	require.Equal(t, now, now.Later(&pos), "the later position: of the stream as it is")
	ahead := pos
	ahead.Sequence = 9
	require.Equal(t, ahead, pos.Later(&ahead), "the same stream further on")
	require.Equal(t, pos, pos.Later(nil))
}

// deliveries fetches n messages of st through the workers' consumer and
// returns their deliveries, as the consume loop reads them.
func deliveries(t *testing.T, st jetstream.Stream, n int) []*streams.Delivery {
	t.Helper()
	cons, err := st.CreateOrUpdateConsumer(context.Background(), streams.Consumer(streams.Config{Memory: true}))
	require.NoError(t, err)
	batch, err := cons.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
	require.NoError(t, err)
	var out []*streams.Delivery
	for msg := range batch.Messages() {
		out = append(out, streams.DeliveryOf(msg))
	}
	require.NoError(t, batch.Error())
	require.Len(t, out, n)
	return out
}

// recreate deletes b's review stream and creates it again, as an operator
// who deletes it and provisions again does.
func recreate(t *testing.T, b *eventstest.Bundle) jetstream.Stream {
	t.Helper()
	ctx := context.Background()
	cfg := b.Stream.CachedInfo().Config
	require.NoError(t, b.JS.DeleteStream(ctx, cfg.Name))
	st, err := streams.Ensure(ctx, b.JS, cfg)
	require.NoError(t, err)
	return st
}
