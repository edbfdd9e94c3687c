package events_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
)

// quiet discards the consume loop's logs.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// requireMessages waits (bounded) until the stream holds want messages:
// terms and acks are applied by the server asynchronously.
func requireMessages(t *testing.T, st jetstream.Stream, want uint64) {
	t.Helper()
	require.Eventually(t, func() bool {
		info, err := st.Info(context.Background())
		return err == nil && info.State.Msgs == want
	}, 5*time.Second, 10*time.Millisecond, "stream %s should hold %d messages", st.CachedInfo().Config.Name, want)
}

func request(pr int, commit string) *events.ReviewRequest {
	return &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerUpdated, EventID: "ev",
		ProjectID: "p", RepositoryID: "repo-1", PullRequestID: pr, SourceCommit: commit,
	}
}

// consumeUntil runs Consume until done is closed or the test's bound passes.
func consumeUntil(t *testing.T, b *eventstest.Bundle, cfg events.ConsumeConfig, done <-chan struct{}, h events.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan error, 1)
	go func() { finished <- events.Consume(ctx, b.Consumer, cfg, h) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Error("timed out waiting for messages")
	}
	cancel()
	require.NoError(t, <-finished)
}

func TestPublishDeduplicatesAndPropagatesTrace(t *testing.T) {
	b := eventstest.Start(t, events.StreamConfig{})
	pub := events.NewPublisher(b.JS)

	ctx, parent := otel.Tracer("test").Start(context.Background(), "webhook")
	first, err := pub.Publish(ctx, request(42, "abc"))
	require.NoError(t, err)
	require.False(t, first.Duplicate)
	again, err := pub.Publish(ctx, request(42, "abc"))
	require.NoError(t, err)
	require.True(t, again.Duplicate, "same pull request and commit is a duplicate")
	require.Equal(t, first.Sequence, again.Sequence)
	parent.End()

	raw, err := b.Stream.GetMsg(context.Background(), first.Sequence)
	require.NoError(t, err)
	require.Contains(t, raw.Header, "traceparent", "lower-case key on the wire")
	require.Equal(t, "pr:repo-1:42@abc", raw.Header.Get("Nats-Msg-Id"))

	var got atomic.Pointer[trace.SpanContext]
	done := make(chan struct{})
	consumeUntil(t, b, events.ConsumeConfig{}, done, func(ctx context.Context, msg jetstream.Msg) error {
		sc := trace.SpanContextFromContext(ctx)
		got.Store(&sc)
		req, err := events.UnmarshalRequest(msg.Data())
		require.NoError(t, err)
		require.Equal(t, 42, req.PullRequestID)
		close(done)
		return nil
	})
	require.Equal(t, parent.SpanContext().TraceID(), got.Load().TraceID(), "consumer continues the webhook's trace")

	info, err := b.Stream.Info(context.Background())
	require.NoError(t, err)
	require.Zero(t, info.State.Msgs, "acked message left the work queue")
}

func TestConsumeSettlement(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		fail          func(delivery uint64) error
		wantCalls     int
		wantRemaining uint64
	}{
		{"ack on success", func(uint64) error { return nil }, 1, 0},
		{"term on permanent error", func(uint64) error { return events.Permanent(errors.New("no such pull request")) }, 1, 0},
		{"redeliver after retry error", func(d uint64) error {
			if d == 1 {
				return events.RetryAfter(50*time.Millisecond, errors.New("429"))
			}
			return nil
		}, 2, 0},
		{"redeliver after panic", func(d uint64) error {
			if d == 1 {
				panic("bug")
			}
			return nil
		}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, events.StreamConfig{AckWait: 2 * time.Second})
			_, err := events.NewPublisher(b.JS).Publish(context.Background(), request(1, "c1"))
			require.NoError(t, err)

			var calls atomic.Int32
			var settled sync.WaitGroup
			settled.Add(tt.wantCalls)
			done := make(chan struct{})
			go func() { settled.Wait(); close(done) }()
			cfg := events.ConsumeConfig{
				Logger:    quiet,
				Backoff:   func(uint64) time.Duration { return 50 * time.Millisecond },
				OnSettled: func(events.Settlement, error, time.Duration) { settled.Done() },
			}
			consumeUntil(t, b, cfg, done, func(ctx context.Context, msg jetstream.Msg) error {
				calls.Add(1)
				md, err := msg.Metadata()
				require.NoError(t, err)
				return tt.fail(md.NumDelivered)
			})
			require.EqualValues(t, tt.wantCalls, calls.Load())
			requireMessages(t, b.Stream, tt.wantRemaining)
		})
	}
}

func TestConsumeBoundsConcurrency(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{})
	pub := events.NewPublisher(b.JS)
	const n = 12
	for i := range n {
		_, err := pub.Publish(context.Background(), request(i+1, "c"))
		require.NoError(t, err)
	}
	var running, peak, handled atomic.Int32
	done := make(chan struct{})
	consumeUntil(t, b, events.ConsumeConfig{Concurrency: 3, Logger: quiet}, done, func(ctx context.Context, msg jetstream.Msg) error {
		now := running.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond) // hold the slot so handlers overlap
		running.Add(-1)
		if handled.Add(1) == n {
			close(done)
		}
		return nil
	})
	require.EqualValues(t, n, handled.Load())
	require.LessOrEqual(t, peak.Load(), int32(3))
	require.Greater(t, peak.Load(), int32(1), "handlers ran concurrently")
}

func TestConsumeShutdownNaksUnfinishedWork(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{})
	_, err := events.NewPublisher(b.JS).Publish(context.Background(), request(1, "c1"))
	require.NoError(t, err)

	started := make(chan struct{})
	var settlement atomic.Value
	var logs bytes.Buffer // slog's handler serialises its writes
	cfg := events.ConsumeConfig{
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
		ShutdownGrace: 50 * time.Millisecond,
		OnSettled:     func(s events.Settlement, _ error, _ time.Duration) { settlement.Store(s) },
	}
	consumeUntil(t, b, cfg, started, func(ctx context.Context, msg jetstream.Msg) error {
		close(started)
		<-ctx.Done() // a review that outlives the grace period
		return fmt.Errorf("read file: %w", ctx.Err())
	})
	require.Equal(t, events.SettleNak, settlement.Load())
	// A rolling deploy is not an incident: one line says the process stops,
	// one that the message is handed back; nothing at warning or above.
	require.Contains(t, logs.String(), "stopping: taking no new messages")
	require.Contains(t, logs.String(), "message handed back")
	require.NotContains(t, logs.String(), "level=WARN")
	require.NotContains(t, logs.String(), "level=ERROR")
	info, err := b.Stream.Info(context.Background())
	require.NoError(t, err)
	require.EqualValues(t, 1, info.State.Msgs, "the message stays for another worker")
}

// diagnosed is a classified error, as azdo.Error is.
type diagnosed struct{ error }

func (diagnosed) Class() string     { return "forbidden" }
func (diagnosed) Diagnosis() string { return "grant it" }

func TestConsumeDeadLetters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxDeliver int
		fail       error
		wantCalls  int
		wantType   string
	}{
		{"permanent error at once", 0, events.Permanent(diagnosed{errors.New("403")}), 1, "forbidden"},
		{"transient error on the last delivery", 2, errors.New("500"), 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, events.StreamConfig{Memory: true, AckWait: 2 * time.Second})
			dl := b.DeadLetters
			_, err := events.NewPublisher(b.JS).Publish(context.Background(), request(7, "c7"))
			require.NoError(t, err)

			var calls atomic.Int32
			var settled sync.WaitGroup
			settled.Add(tt.wantCalls)
			done := make(chan struct{})
			go func() { settled.Wait(); close(done) }()
			cfg := events.ConsumeConfig{
				Logger:      quiet,
				MaxDeliver:  tt.maxDeliver,
				DeadLetters: events.NewDeadLetters(b.JS),
				Backoff:     func(uint64) time.Duration { return 20 * time.Millisecond },
				OnSettled:   func(events.Settlement, error, time.Duration) { settled.Done() },
			}
			consumeUntil(t, b, cfg, done, func(context.Context, jetstream.Msg) error {
				calls.Add(1)
				return tt.fail
			})
			require.EqualValues(t, tt.wantCalls, calls.Load())
			requireMessages(t, b.Stream, 0)
			requireMessages(t, dl, 1)

			got, err := dl.GetLastMsgForSubject(context.Background(), events.DeadLetterPrefix+"repo-1.7")
			require.NoError(t, err)
			require.Equal(t, tt.fail.Error(), got.Header.Get(events.HeaderError))
			require.Equal(t, tt.wantType, got.Header.Get(events.HeaderErrorType))
			require.Equal(t, "azreviewer.review.repo-1.7", got.Header.Get(events.HeaderOriginalSubject))
			require.Equal(t, fmt.Sprint(tt.wantCalls), got.Header.Get(events.HeaderDeliveries))
			req, err := events.UnmarshalRequest(got.Data)
			require.NoError(t, err)
			require.Equal(t, 7, req.PullRequestID)
		})
	}
}

func TestListAndReplayDeadLetters(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true})
	ctx := context.Background()
	for pr := 1; pr <= 2; pr++ {
		_, err := events.NewPublisher(b.JS).Publish(ctx, request(pr, "c"))
		require.NoError(t, err)
	}
	var settled sync.WaitGroup
	settled.Add(2)
	done := make(chan struct{})
	go func() { settled.Wait(); close(done) }()
	consumeUntil(t, b, events.ConsumeConfig{
		Logger: quiet, DeadLetters: events.NewDeadLetters(b.JS),
		OnSettled: func(events.Settlement, error, time.Duration) { settled.Done() },
	}, done, func(context.Context, jetstream.Msg) error {
		return events.Permanent(diagnosed{errors.New("403")})
	})
	requireMessages(t, b.DeadLetters, 2)

	list, err := events.ListDeadLetters(ctx, b.JS, 10)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "forbidden", list[0].ErrorType)
	require.Equal(t, "grant it", list[0].Diagnosis)
	require.Equal(t, 1, list[0].Deliveries)
	require.NotNil(t, list[0].Request)
	limited, err := events.ListDeadLetters(ctx, b.JS, 1)
	require.NoError(t, err)
	require.Len(t, limited, 1)

	seq, err := events.ReplayDeadLetter(ctx, b.JS, list[0].Seq)
	require.NoError(t, err)
	requireMessages(t, b.Stream, 1)
	requireMessages(t, b.DeadLetters, 1)
	again, err := b.Stream.GetMsg(ctx, seq)
	require.NoError(t, err)
	require.Equal(t, list[0].OriginalSubject, again.Subject)
	rest, err := events.ListDeadLetters(ctx, b.JS, 10)
	require.NoError(t, err)
	require.Len(t, rest, 1)
	require.Equal(t, list[1].Seq, rest[0].Seq)
	_, err = events.ReplayDeadLetter(ctx, b.JS, list[0].Seq)
	require.Error(t, err, "a replayed dead letter is gone")
}
