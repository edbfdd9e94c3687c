package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
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

func TestConsumeDeadLetters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxDeliver int
		fail       error
		wantCalls  int
		wantType   string
	}{
		{"permanent error at once", 0, events.Permanent(forbidden), 1, "forbidden"},
		{"transient error on the last delivery", 2, errors.New("500"), 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, streams.Config{Memory: true, AckWait: 2 * time.Second})
			dl := b.DeadLetters
			_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(context.Background(), eventstest.Request(7, "c7"))
			require.NoError(t, err)

			var calls atomic.Int32
			cfg := events.ConsumeConfig{Logger: quiet, Backoff: func(uint64) time.Duration { return 20 * time.Millisecond }}
			b.ConsumeSettled(t, cfg, tt.wantCalls, poisoned(t, b.JS, tt.maxDeliver, func(context.Context, jetstream.Msg) error {
				calls.Add(1)
				return tt.fail
			}))
			require.EqualValues(t, tt.wantCalls, calls.Load())
			eventstest.WaitMessages(t, b.Stream, 0)
			eventstest.WaitMessages(t, dl, 1)

			got, err := dl.GetLastMsgForSubject(context.Background(), fleet.Names{}.DeadLetterSubjectPrefix()+"repo-1.7")
			require.NoError(t, err)
			require.Equal(t, tt.fail.Error(), got.Header.Get(deadletter.HeaderError))
			require.Equal(t, tt.wantType, got.Header.Get(deadletter.HeaderErrorType))
			require.Equal(t, "azreviewer.review.repo-1.7", got.Header.Get(deadletter.HeaderOriginalSubject))
			require.Equal(t, fmt.Sprint(tt.wantCalls), got.Header.Get(deadletter.HeaderDeliveries))
			req, err := events.UnmarshalRequest(got.Data)
			require.NoError(t, err)
			require.Equal(t, 7, req.PullRequestID)
		})
	}
}

// TestUnusableRequestIsDeadLetteredAtOnce: a review request whose
// repository id cannot name a key (published by an older ingest, or by
// hand) fails permanently on its first delivery, and its dead letter says
// what kind of error it is — instead of failing "nats: invalid key" as if
// transient until MaxDeliver.
func TestUnusableRequestIsDeadLetteredAtOnce(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true, AckWait: 2 * time.Second})
	ctx := context.Background()
	coord, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	_, err = b.JS.Publish(ctx, "azreviewer.review.répo.1", []byte(`{"version":1,"trigger":"created","event_id":"e1","project_id":"p","repository_id":"répo","pull_request_id":1}`))
	require.NoError(t, err)

	var settled sync.WaitGroup
	settled.Add(1)
	done := make(chan struct{})
	go func() { settled.Wait(); close(done) }()
	var once sync.Once
	b.ConsumeUntil(t, events.ConsumeConfig{
		Logger:  quiet,
		Backoff: func(uint64) time.Duration { return 10 * time.Millisecond },
		OnSettled: func(s events.Settlement, _ error, _ time.Duration) {
			if s == events.SettleDeadLetter || s == events.SettleTerm {
				once.Do(settled.Done)
			}
		},
	}, done, poisoned(t, b.JS, 3, func(ctx context.Context, msg jetstream.Msg) error {
		// What the worker does first: decode, then take the lease.
		req, err := events.UnmarshalRequest(msg.Data())
		if err != nil {
			return err
		}
		lease, err := coord.Acquire(ctx, coordination.Key(req.RepositoryID, req.PullRequestID))
		if err != nil {
			return err
		}
		return lease.Release(ctx)
	}))
	eventstest.WaitMessages(t, b.DeadLetters, 1)
	list, err := deadletter.List(ctx, b.JS, fleet.Names{}, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "invalid_request", list[0].ErrorType)
	require.NotEmpty(t, list[0].Diagnosis)
	require.Equal(t, 1, list[0].Deliveries, "not retried")
}

// poisoned wraps h in the poison middleware, as the worker's chain does.
func poisoned(t *testing.T, js jetstream.JetStream, maxDeliver int, h events.Handler) events.Handler {
	t.Helper()
	mw, err := middleware.PoisonQueue(deadletter.NewPublisher(js, fleet.Names{}), maxDeliver, quiet)
	require.NoError(t, err)
	return middleware.Chain(h, mw)
}

// TestPoisonQueueKeepsWhatItCannotStore: when the dead-letter copy cannot
// be stored, a permanent failure is not terminated (and lost) but
// redelivered after the loop's backoff, logged as such.
func TestPoisonQueueKeepsWhatItCannotStore(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true, AckWait: 2 * time.Second})
	ctx := context.Background()
	require.NoError(t, b.JS.DeleteStream(ctx, fleet.Names{}.DeadLetterStream()), "no dead-letter stream: every copy fails")
	_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(7, "c7"))
	require.NoError(t, err)

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	poison, err := middleware.PoisonQueue(deadletter.NewPublisher(b.JS, fleet.Names{}), 0, log)
	require.NoError(t, err)
	var mu sync.Mutex
	var settlements []events.Settlement
	var errs []string
	done := make(chan struct{})
	var once sync.Once
	b.ConsumeUntil(t, events.ConsumeConfig{
		Logger:  quiet,
		Backoff: func(uint64) time.Duration { return 10 * time.Millisecond },
		OnSettled: func(s events.Settlement, err error, _ time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			settlements = append(settlements, s)
			errs = append(errs, err.Error())
			if len(settlements) == 2 {
				once.Do(func() { close(done) })
			}
		},
	}, done, middleware.Chain(func(context.Context, jetstream.Msg) error {
		return events.Permanent(forbidden)
	}, poison))
	require.Equal(t, []events.Settlement{events.SettleNak, events.SettleNak}, settlements, "redelivered, not terminated")
	require.Equal(t, []string{"403", "403"}, errs, "the error reads as the handler's")
	eventstest.WaitMessages(t, b.Stream, 1)
	require.Contains(t, logs.String(), middleware.LogDeadLetterNotStored)
}

func TestPoisonQueueRefusesBadArguments(t *testing.T) {
	t.Parallel()
	_, err := middleware.PoisonQueue(nil, 3, quiet)
	require.Error(t, err)
	b := eventstest.Start(t, streams.Config{Memory: true})
	_, err = middleware.PoisonQueue(deadletter.NewPublisher(b.JS, fleet.Names{}), -1, quiet)
	require.Error(t, err)
}

// TestChainOrder: the first middleware is the outermost.
func TestChainOrder(t *testing.T) {
	t.Parallel()
	var order []string
	layer := func(name string) middleware.Middleware {
		return func(next events.Handler) events.Handler {
			return func(ctx context.Context, msg jetstream.Msg) error {
				order = append(order, name)
				return next(ctx, msg)
			}
		}
	}
	h := middleware.Chain(func(context.Context, jetstream.Msg) error { order = append(order, "handler"); return nil }, layer("outer"), layer("inner"))
	require.NoError(t, h(context.Background(), nil))
	require.Equal(t, []string{"outer", "inner", "handler"}, order)
}
