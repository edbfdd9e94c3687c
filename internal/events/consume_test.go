package events_test

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
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// quiet discards the consume loop's logs.
var quiet = slog.New(slog.DiscardHandler)

func TestPublishDeduplicatesAndPropagatesTrace(t *testing.T) {
	b := eventstest.Start(t, streams.Config{})
	pub := events.NewPublisher(b.JS, fleet.Names{})

	ctx, parent := otel.Tracer("test").Start(context.Background(), "webhook")
	first, err := pub.Publish(ctx, eventstest.Request(42, "abc"))
	require.NoError(t, err)
	require.False(t, first.Duplicate)
	again, err := pub.Publish(ctx, eventstest.Request(42, "abc"))
	require.NoError(t, err)
	require.True(t, again.Duplicate, "same pull request and commit is a duplicate")
	require.Equal(t, first.Sequence, again.Sequence)
	parent.End()

	raw, err := b.Stream.GetMsg(context.Background(), first.Sequence)
	require.NoError(t, err)
	require.Contains(t, raw.Header, "traceparent", "lower-case key on the wire")
	require.Equal(t, "pr:repo-1:42@abc", raw.Header.Get("Nats-Msg-Id"))
	require.Equal(t, "pr:repo-1:42@abc", first.MsgID, "the id it was published with")
	require.Equal(t, "pr:repo-1:42@abc", again.MsgID)

	var got atomic.Pointer[trace.SpanContext]
	done := make(chan struct{})
	b.ConsumeUntil(t, events.ConsumeConfig{}, done, func(ctx context.Context, msg jetstream.Msg) error {
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
			b := eventstest.Start(t, streams.Config{AckWait: 2 * time.Second})
			_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(context.Background(), eventstest.Request(1, "c1"))
			require.NoError(t, err)

			var calls atomic.Int32
			cfg := events.ConsumeConfig{Logger: quiet, Backoff: func(uint64) time.Duration { return 50 * time.Millisecond }}
			b.ConsumeSettled(t, cfg, tt.wantCalls, func(ctx context.Context, msg jetstream.Msg) error {
				calls.Add(1)
				md, err := msg.Metadata()
				require.NoError(t, err)
				return tt.fail(md.NumDelivered)
			})
			require.EqualValues(t, tt.wantCalls, calls.Load())
			eventstest.WaitMessages(t, b.Stream, tt.wantRemaining)
		})
	}
}

func TestConsumeBoundsConcurrency(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{})
	pub := events.NewPublisher(b.JS, fleet.Names{})
	const n = 12
	for i := range n {
		_, err := pub.Publish(context.Background(), eventstest.Request(i+1, "c"))
		require.NoError(t, err)
	}
	var running, peak, handled atomic.Int32
	done := make(chan struct{})
	overlapped := make(chan struct{})
	var overlap sync.Once
	b.ConsumeUntil(t, events.ConsumeConfig{Concurrency: 3, Logger: quiet}, done, func(ctx context.Context, msg jetstream.Msg) error {
		now := running.Add(1)
		for {
			p := peak.Load()
			if now <= p || peak.CompareAndSwap(p, now) {
				break
			}
		}
		if now > 1 {
			overlap.Do(func() { close(overlapped) })
		}
		// Hold the slot until a second handler runs, however long the
		// next message's pull takes on a loaded machine (a consumer that
		// ran one at a time leaves peak at 1 after the bound), then a
		// little longer so that more overlap.
		select {
		case <-overlapped:
		case <-time.After(time.Minute):
		}
		time.Sleep(20 * time.Millisecond)
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
	b := eventstest.Start(t, streams.Config{})
	_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(context.Background(), eventstest.Request(1, "c1"))
	require.NoError(t, err)

	started := make(chan struct{})
	var settlement atomic.Value
	var logs bytes.Buffer // slog's handler serialises its writes
	cfg := events.ConsumeConfig{
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
		ShutdownGrace: 50 * time.Millisecond,
		OnSettled:     func(s events.Settlement, _ error, _ time.Duration) { settlement.Store(s) },
	}
	b.ConsumeUntil(t, cfg, started, func(ctx context.Context, msg jetstream.Msg) error {
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

// TestConsumeReportsAMessageUnsettledOnItsLastDelivery: on the consumer's
// last delivery (its MaxDeliver; here 1, so the first) JetStream delivers a
// message no more, whatever the loop answers. A failure the handler did not
// dead-letter there, whichever way it failed, is reported stranded at
// error level, never "will be redelivered", and the message is still in
// the stream.
func TestConsumeReportsAMessageUnsettledOnItsLastDelivery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func() error
	}{
		{"transient error", func() error { return errors.New("500 from Azure") }},
		{"retry error", func() error { return events.RetryAfter(time.Hour, errors.New("429")) }},
		{"panic", func() error { panic("bug") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, streams.Config{Memory: true, AckWait: 2 * time.Second})
			ctx := context.Background()
			only := streams.Consumer(b.Config)
			only.MaxDeliver = 1
			cons, err := b.JS.UpdateConsumer(ctx, b.Stream.CachedInfo().Config.Name, only)
			require.NoError(t, err)
			_, err = events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, eventstest.Request(1, "c1"))
			require.NoError(t, err)

			var logs bytes.Buffer // slog's handler serialises its writes
			settled := make(chan events.Settlement, 4)
			cctx, cancel := context.WithCancel(ctx)
			finished := make(chan error, 1)
			go func() {
				finished <- events.Consume(cctx, cons, events.ConsumeConfig{
					Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
					OnSettled: func(s events.Settlement, _ error, _ time.Duration) { settled <- s },
				}, func(context.Context, jetstream.Msg) error { return tt.fail() })
			}()
			var got events.Settlement
			select {
			case got = <-settled:
			case <-time.After(10 * time.Second):
				t.Error("the message was not settled")
			}
			cancel()
			require.NoError(t, <-finished)
			require.Equal(t, events.Settlement("stranded"), got)
			var line string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "settlement=") {
					line = l
				}
			}
			require.Contains(t, line, "level=ERROR", "%s", logs.String())
			require.Contains(t, line, "will not deliver it again")
			require.NotContains(t, line, "will be redelivered")
			eventstest.WaitMessages(t, b.Stream, 1)
		})
	}
}
