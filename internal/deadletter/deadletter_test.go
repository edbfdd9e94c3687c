package deadletter_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/events/middleware"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// forbidden is a permanent failure's cause, classified.
var forbidden = eventstest.Failure{Message: "403", Kind: "forbidden", Fix: "grant it"}

// quiet discards the logs.
var quiet = slog.New(slog.DiscardHandler)

func TestListAndReplayDeadLetters(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	for pr := 1; pr <= 2; pr++ {
		_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(pr, "c"))
		require.NoError(t, err)
	}
	b.ConsumeSettled(t, events.ConsumeConfig{Logger: quiet}, 2, poisoned(t, b.JS, 0, func(context.Context, jetstream.Msg) error {
		return events.Permanent(forbidden)
	}))
	eventstest.WaitMessages(t, b.DeadLetters, 2)

	list, err := deadletter.List(ctx, b.JS, fleet.Names{}, 10)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "forbidden", list[0].ErrorType)
	require.Equal(t, "grant it", list[0].Diagnosis)
	require.Equal(t, 1, list[0].Deliveries)
	require.NotNil(t, list[0].Request)
	limited, err := deadletter.List(ctx, b.JS, fleet.Names{}, 1)
	require.NoError(t, err)
	require.Len(t, limited, 1)

	seq, err := deadletter.Replay(ctx, b.JS, fleet.Names{}, list[0].Seq)
	require.NoError(t, err)
	eventstest.WaitMessages(t, b.Stream, 1)
	eventstest.WaitMessages(t, b.DeadLetters, 1)
	again, err := b.Stream.GetMsg(ctx, seq)
	require.NoError(t, err)
	require.Equal(t, list[0].OriginalSubject, again.Subject)
	rest, err := deadletter.List(ctx, b.JS, fleet.Names{}, 10)
	require.NoError(t, err)
	require.Len(t, rest, 1)
	require.Equal(t, list[1].Seq, rest[0].Seq)
	_, err = deadletter.Replay(ctx, b.JS, fleet.Names{}, list[0].Seq)
	require.Error(t, err, "a replayed dead letter is gone")
}

// TestDeadLetterStreamDropsOldest: the dead-letter stream keeps at most
// DeadLetterMaxMsgs entries, the newest, so a flood of failing requests
// (10,000 webhooks for missing pull requests) cannot grow it without bound,
// and storing a dead letter never fails for want of room.
func TestDeadLetterStreamDropsOldest(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true, DeadLetterMaxMsgs: 3})
	ctx := context.Background()
	for pr := 1; pr <= 5; pr++ {
		_, err := b.JS.Publish(ctx, fmt.Sprintf("%srepo-1.%d", fleet.Names{}.DeadLetterSubjectPrefix(), pr), []byte(`{}`))
		require.NoError(t, err)
	}
	eventstest.WaitMessages(t, b.DeadLetters, 3)
	info, err := b.DeadLetters.Info(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, info.State.FirstSeq, "the oldest were dropped")
}

// TestDeadLetterOfARequestNearMaxPayload: a request that fits the server's
// max_payload but whose copy with the dead-letter headers would not is
// still dead-lettered, without its body, instead of being redelivered for
// want of a dead letter; it cannot be replayed.
func TestDeadLetterOfARequestNearMaxPayload(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true, AckWait: 2 * time.Second})
	ctx := context.Background()
	req := eventstest.Request(7, "c7")
	data, err := req.Marshal()
	require.NoError(t, err)
	req.RepositoryName = strings.Repeat("n", int(b.Conn.MaxPayload())-len(data)-100)
	data, err = req.Marshal()
	require.NoError(t, err)
	_, err = b.JS.Publish(ctx, req.Subject(fleet.Names{}), data)
	require.NoError(t, err, "the request itself fits")

	done := make(chan struct{})
	var once sync.Once
	b.ConsumeUntil(t, events.ConsumeConfig{
		Logger:    quiet,
		Backoff:   func(uint64) time.Duration { return 10 * time.Millisecond },
		OnSettled: func(events.Settlement, error, time.Duration) { once.Do(func() { close(done) }) },
	}, done, poisoned(t, b.JS, 3, func(context.Context, jetstream.Msg) error {
		return events.Permanent(forbidden)
	}))
	eventstest.WaitMessages(t, b.DeadLetters, 1)
	eventstest.WaitMessages(t, b.Stream, 0)
	list, err := deadletter.List(ctx, b.JS, fleet.Names{}, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "forbidden", list[0].ErrorType)
	require.Nil(t, list[0].Request)
	raw, err := b.DeadLetters.GetMsg(ctx, list[0].Seq)
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(len(data)), raw.Header.Get(deadletter.HeaderBodyOmitted))
	_, err = deadletter.Replay(ctx, b.JS, fleet.Names{}, list[0].Seq)
	require.ErrorContains(t, err, "cannot be replayed")
}

// poisoned wraps h in the poison middleware, as the worker's chain does.
func poisoned(t *testing.T, js jetstream.JetStream, maxDeliver int, h events.Handler) events.Handler {
	t.Helper()
	mw, err := middleware.PoisonQueue(deadletter.NewPublisher(js, fleet.Names{}), maxDeliver, quiet)
	require.NoError(t, err)
	return middleware.Chain(h, mw)
}

// TestDeadLetterCopiedTwiceIsStoredOnce: a request copied again (a try
// that timed out but was stored, a term lost after the copy) is one dead
// letter; another request, or the same one replayed, is another.
func TestDeadLetterCopiedTwiceIsStoredOnce(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	for pr := 1; pr <= 2; pr++ {
		_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(pr, "c"))
		require.NoError(t, err)
	}
	batch, err := b.Consumer.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	require.NoError(t, err)
	dl := deadletter.NewPublisher(b.JS, fleet.Names{})
	var msgs []jetstream.Msg
	for msg := range batch.Messages() {
		msgs = append(msgs, msg)
		for range 2 {
			require.NoError(t, dl.Publish(ctx, msg, forbidden, 1))
		}
	}
	require.NoError(t, batch.Error())
	require.Len(t, msgs, 2)
	eventstest.WaitMessages(t, b.DeadLetters, 2)

	list, err := deadletter.List(ctx, b.JS, fleet.Names{}, 10)
	require.NoError(t, err)
	_, err = deadletter.Replay(ctx, b.JS, fleet.Names{}, list[0].Seq)
	require.NoError(t, err)
	for _, msg := range msgs {
		require.NoError(t, msg.Term())
	}
	replayed, err := b.Consumer.Next(jetstream.FetchMaxWait(5 * time.Second))
	require.NoError(t, err)
	require.NoError(t, dl.Publish(ctx, replayed, forbidden, 1))
	eventstest.WaitMessages(t, b.DeadLetters, 2)
	list, err = deadletter.List(ctx, b.JS, fleet.Names{}, 10)
	require.NoError(t, err)
	require.Len(t, list, 2, "the replayed request's new dead letter, and the other request's")
}
