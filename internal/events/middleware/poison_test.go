package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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

// fetchAndDie takes n deliveries of the next message from b's consumer, as a
// worker that dies holding each would: none is settled, so each comes back
// after AckWait.
func fetchAndDie(t *testing.T, b *eventstest.Bundle, n int) {
	t.Helper()
	for range n {
		batch, err := b.Consumer.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
		require.NoError(t, err)
		got := 0
		for range batch.Messages() {
			got++
		}
		require.NoError(t, batch.Error())
		require.Equal(t, 1, got, "the message was delivered")
	}
}

// onLog is a slog handler that calls fn, once, on the first record whose
// message starts with prefix.
type onLog struct {
	prefix string
	once   *sync.Once
	fn     func()
}

func (h onLog) Enabled(context.Context, slog.Level) bool { return true }
func (h onLog) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, h.prefix) {
		h.once.Do(h.fn)
	}
	return nil
}
func (h onLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onLog) WithGroup(string) slog.Handler      { return h }

// TestLastDeliveryIsNeverStranded: JetStream never delivers a message past
// its consumer's MaxDeliver, and the work-queue stream keeps what is not
// acked or terminated. Whatever happens on a request's last delivery — its
// dead letter cannot be stored for a while, its worker dies — it ends
// reviewed or in the dead letters, never left in the review stream
// delivered to no one; and the earlier deliveries behave as they always
// did. MAX_DELIVER is 2 and AckWait 1 s.
func TestLastDeliveryIsNeverStranded(t *testing.T) {
	t.Parallel()
	transient := func(uint64) error { return errors.New("500 from Azure") }
	tests := []struct {
		name string
		// died is how many deliveries a worker took and died holding
		// before the worker under test runs.
		died int
		// copyFails: the dead-letter stream is gone when the first copy
		// is tried, and back only after the message was held for longer
		// than AckWait.
		copyFails bool
		fail      func(delivery uint64) error
		// want are the settlements of the worker under test; wantErr,
		// wantType and wantDeliveries the dead letter's, if one.
		want                              []events.Settlement
		wantCalls                         int32
		wantErr, wantType, wantDeliveries string
	}{
		{name: "a first failure is redelivered", fail: func(d uint64) error {
			if d == 1 {
				return errors.New("503 from Azure")
			}
			return nil
		}, want: []events.Settlement{events.SettleNak, events.SettleAck}, wantCalls: 2},
		{name: "a permanent failure is dead-lettered at once", fail: func(uint64) error { return events.Permanent(forbidden) },
			want: []events.Settlement{events.SettleDeadLetter}, wantCalls: 1, wantErr: "403", wantType: "forbidden", wantDeliveries: "1"},
		{name: "a failure on the last delivery is dead-lettered", fail: transient,
			want: []events.Settlement{events.SettleNak, events.SettleDeadLetter}, wantCalls: 2, wantErr: "500 from Azure", wantDeliveries: "2"},
		{name: "a dead letter not stored on the last delivery is tried again", copyFails: true, fail: transient,
			want: []events.Settlement{events.SettleNak, events.SettleDeadLetter}, wantCalls: 2, wantErr: "500 from Azure", wantDeliveries: "2"},
		{name: "a worker dying on the last delivery", died: 2, fail: transient,
			want: []events.Settlement{events.SettleDeadLetter}, wantErr: "delivery 2 of 2 ended unsettled", wantType: "unsettled", wantDeliveries: "3"},
		{name: "a worker dying on the last delivery, and the dead letter not stored at first", died: 2, copyFails: true, fail: transient,
			want: []events.Settlement{events.SettleDeadLetter}, wantErr: "delivery 2 of 2 ended unsettled", wantType: "unsettled", wantDeliveries: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := streams.Config{Memory: true, AckWait: time.Second, MaxDeliver: 2}
			b := eventstest.Start(t, cfg)
			ctx := context.Background()
			_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(7, "c7"))
			require.NoError(t, err)
			fetchAndDie(t, b, tt.died)

			log := quiet
			if tt.copyFails {
				require.NoError(t, b.JS.DeleteStream(ctx, fleet.Names{}.DeadLetterStream()), "a dead-letter stream without a leader, as in an election")
				// It is back 1.5 s after the first copy failed: held on
				// its last delivery, the message must be kept in
				// progress past AckWait meanwhile.
				back := make(chan struct{})
				var scheduled atomic.Bool
				t.Cleanup(func() {
					if scheduled.Load() {
						<-back
					}
				})
				log = slog.New(onLog{prefix: "dead letter not stored", once: &sync.Once{}, fn: func() {
					scheduled.Store(true)
					time.AfterFunc(1500*time.Millisecond, func() {
						defer close(back)
						_, err := streams.EnsureDeadLetters(ctx, b.JS, cfg)
						require.NoError(t, err)
					})
				}})
			}
			poison, err := middleware.PoisonQueue(deadletter.NewPublisher(b.JS, fleet.Names{}), cfg.MaxDeliver, log)
			require.NoError(t, err)

			var mu sync.Mutex
			var settled []events.Settlement
			done := make(chan struct{})
			var calls atomic.Int32
			b.ConsumeUntil(t, events.ConsumeConfig{
				Logger: quiet, Heartbeat: cfg.Heartbeat(), Backoff: func(uint64) time.Duration { return 20 * time.Millisecond },
				OnSettled: func(s events.Settlement, _ error, _ time.Duration) {
					mu.Lock()
					defer mu.Unlock()
					settled = append(settled, s)
					if len(settled) == len(tt.want) {
						close(done)
					}
				},
			}, done, middleware.Chain(func(ctx context.Context, msg jetstream.Msg) error {
				calls.Add(1)
				md, err := msg.Metadata()
				require.NoError(t, err)
				return tt.fail(md.NumDelivered)
			}, poison))

			mu.Lock()
			require.Equal(t, tt.want, settled)
			mu.Unlock()
			require.Equal(t, tt.wantCalls, calls.Load())
			eventstest.WaitMessages(t, b.Stream, 0)
			dl, err := deadletter.List(ctx, b.JS, fleet.Names{}, 10)
			require.NoError(t, err)
			if tt.wantErr == "" {
				require.Empty(t, dl)
				return
			}
			require.Len(t, dl, 1, "one dead letter, however often its copy was tried")
			got, err := b.DeadLetters.GetMsg(ctx, dl[0].Seq)
			require.NoError(t, err)
			require.Contains(t, got.Header.Get(deadletter.HeaderError), tt.wantErr)
			require.Equal(t, tt.wantType, got.Header.Get(deadletter.HeaderErrorType))
			require.Equal(t, tt.wantDeliveries, got.Header.Get(deadletter.HeaderDeliveries))
			req, err := events.UnmarshalRequest(got.Data)
			require.NoError(t, err)
			require.Equal(t, 7, req.PullRequestID, "the request can be replayed")
		})
	}
}

// TestShutdownOnLastDeliveryIsDeadLettered: a worker stopped during a
// request's last delivery (the review outlived SHUTDOWN_GRACE, or failed
// once its context was cancelled) hands it back; the next worker stores
// its dead letter, saying why, on the delivery kept in reserve, without
// reviewing it again.
func TestShutdownOnLastDeliveryIsDeadLettered(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// stopped is what the last delivery's handler returns once the
		// shutdown cancelled it.
		stopped func(ctx context.Context) error
	}{
		{"handed back", func(ctx context.Context) error { return fmt.Errorf("read file: %w", ctx.Err()) }},
		{"failed after the cancellation", func(context.Context) error { return errors.New("500 from Azure") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := streams.Config{Memory: true, AckWait: time.Second, MaxDeliver: 2}
			b := eventstest.Start(t, cfg)
			ctx := context.Background()
			_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(7, "c7"))
			require.NoError(t, err)
			poison, err := middleware.PoisonQueue(deadletter.NewPublisher(b.JS, fleet.Names{}), cfg.MaxDeliver, quiet)
			require.NoError(t, err)

			// The first worker: a transient failure, then a long review
			// still running when it is stopped.
			last := make(chan struct{})
			consume := events.ConsumeConfig{Logger: quiet, ShutdownGrace: 100 * time.Millisecond, Heartbeat: cfg.Heartbeat(),
				Backoff: func(uint64) time.Duration { return 20 * time.Millisecond }}
			b.ConsumeUntil(t, consume, last, middleware.Chain(func(ctx context.Context, msg jetstream.Msg) error {
				md, err := msg.Metadata()
				require.NoError(t, err)
				if md.NumDelivered < uint64(cfg.MaxDeliver) {
					return errors.New("503 from Azure")
				}
				close(last)
				<-ctx.Done()
				return tt.stopped(ctx)
			}, poison))

			// The next worker.
			var calls atomic.Int32
			stored := make(chan struct{})
			var once sync.Once
			consume.OnSettled = func(s events.Settlement, _ error, _ time.Duration) {
				if s == events.SettleDeadLetter {
					once.Do(func() { close(stored) })
				}
			}
			b.ConsumeUntil(t, consume, stored, middleware.Chain(func(context.Context, jetstream.Msg) error {
				calls.Add(1)
				return nil
			}, poison))
			require.Zero(t, calls.Load(), "not reviewed past MAX_DELIVER")
			eventstest.WaitMessages(t, b.Stream, 0)
			dl, err := deadletter.List(ctx, b.JS, fleet.Names{}, 10)
			require.NoError(t, err)
			require.Len(t, dl, 1)
			require.Equal(t, "unsettled", dl[0].ErrorType)
			require.Contains(t, dl[0].Diagnosis, "SHUTDOWN_GRACE")
			require.Equal(t, 3, dl[0].Deliveries)
		})
	}
}

// TestReserveDeliveryGivesUpAfterStoreRetry: a dead letter that cannot be
// stored on the reserve delivery is tried for WithStoreRetry, the message
// held, and then reported stranded: at error level, saying it stays in the
// review stream.
func TestReserveDeliveryGivesUpAfterStoreRetry(t *testing.T) {
	t.Parallel()
	cfg := streams.Config{Memory: true, AckWait: time.Second, MaxDeliver: 1}
	b := eventstest.Start(t, cfg)
	ctx := context.Background()
	_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(7, "c7"))
	require.NoError(t, err)
	fetchAndDie(t, b, 1)
	require.NoError(t, b.JS.DeleteStream(ctx, fleet.Names{}.DeadLetterStream()))

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	poison, err := middleware.PoisonQueue(deadletter.NewPublisher(b.JS, fleet.Names{}), cfg.MaxDeliver, log, middleware.WithStoreRetry(1200*time.Millisecond))
	require.NoError(t, err)
	var settlement atomic.Value
	done := make(chan struct{})
	b.ConsumeUntil(t, events.ConsumeConfig{Logger: log, Heartbeat: cfg.Heartbeat(),
		OnSettled: func(s events.Settlement, _ error, _ time.Duration) { settlement.Store(s); close(done) },
	}, done, middleware.Chain(func(context.Context, jetstream.Msg) error { return nil }, poison))
	require.Equal(t, events.SettleStranded, settlement.Load())
	require.Contains(t, logs.String(), "level=WARN msg=\""+middleware.LogDeadLetterRetrying, "tried again, the message held")
	require.Contains(t, logs.String(), "level=ERROR msg=\""+middleware.LogDeadLetterNotStoredFinal)
	require.Contains(t, logs.String(), "level=ERROR msg=\""+events.LogStranded)
	require.NotContains(t, logs.String(), "will be redelivered")
	info, err := b.Stream.Info(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, info.State.Msgs, "left in the review stream, where re-creating the consumer finds it")
}
