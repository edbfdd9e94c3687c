package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// logBuffer collects a logger's JSON lines; safe for the consume loop's
// goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// lines decodes the lines logged with msg.
func (l *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(l.buf.Bytes()), []byte("\n")) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal(line, &rec), "%s", line)
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// TestConsumeBoundsTheRetryDelay: a handler's RetryAfter (the worker's,
// from Azure DevOps' Retry-After) naks the message with that delay, but
// never later than the loop's maximum, 5 minutes by default: a month-long
// delay would park the message out of anyone's reach for a month.
func TestConsumeBoundsTheRetryDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		asked time.Duration
		want  time.Duration
	}{
		{"a month", 30 * 24 * time.Hour, 5 * time.Minute},
		{"the longest duration", math.MaxInt64, 5 * time.Minute},
		{"within the maximum", 30 * time.Second, 30 * time.Second},
		{"the maximum", 5 * time.Minute, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, streams.Config{})
			_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(context.Background(), eventstest.Request(1, "c1"))
			require.NoError(t, err)

			var logs logBuffer
			cfg := events.ConsumeConfig{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
			b.ConsumeSettled(t, cfg, 1, func(context.Context, jetstream.Msg) error {
				return events.RetryAfter(tt.asked, errors.New("rate limited"))
			})

			failed := logs.lines(t, "message failed; will be redelivered")
			require.Len(t, failed, 1)
			require.Equal(t, "nak", failed[0]["settlement"])
			require.EqualValues(t, tt.want, failed[0]["retry_in"], "nak'ed with the bounded delay (ns)")
			bounded := logs.lines(t, "the handler asked for a redelivery later than the loop's maximum; redelivering at the maximum")
			if tt.asked > tt.want {
				require.Len(t, bounded, 1, "what was asked is logged")
				require.Equal(t, tt.asked.String(), bounded[0]["asked"])
			} else {
				require.Empty(t, bounded)
			}
			eventstest.WaitMessages(t, b.Stream, 1) // kept for its redelivery
		})
	}
}

// TestConsumeRedeliversAtTheMaximumRetryDelay: the bound is what JetStream
// is given: a message whose handler asks for a month comes back after
// MaxRetryDelay.
func TestConsumeRedeliversAtTheMaximumRetryDelay(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{AckWait: 30 * time.Second})
	_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(context.Background(), eventstest.Request(1, "c1"))
	require.NoError(t, err)

	var calls atomic.Int32
	cfg := events.ConsumeConfig{Logger: quiet, MaxRetryDelay: 100 * time.Millisecond}
	b.ConsumeSettled(t, cfg, 2, func(ctx context.Context, msg jetstream.Msg) error {
		if calls.Add(1) == 1 {
			return events.RetryAfter(30*24*time.Hour, errors.New("rate limited"))
		}
		return nil
	})
	require.EqualValues(t, 2, calls.Load(), "redelivered, and acked")
	eventstest.WaitMessages(t, b.Stream, 0)
}
