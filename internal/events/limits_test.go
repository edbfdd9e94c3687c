package events_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestFullReviewStreamRefusesNewRequests: a full review stream keeps what
// it holds and refuses the next request with a *QueueFullError; once
// workers drain it, requests are accepted again.
func TestFullReviewStreamRefusesNewRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        streams.Config
		wantReason string
	}{
		{"message limit", streams.Config{Memory: true, MaxMsgs: 3}, "maximum messages exceeded"},
		{"byte limit", streams.Config{Memory: true, MaxBytes: 1500}, "maximum bytes exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, tt.cfg)
			ctx := context.Background()
			pub := events.NewPublisher(b.JS, fleet.Names{})
			var stored uint64
			var err error
			for pr := 1; pr <= 10 && err == nil; pr++ {
				_, err = pub.Publish(ctx, eventstest.Request(pr, "c"))
				if err == nil {
					stored++
				}
			}
			var full *events.QueueFullError
			require.ErrorAs(t, err, &full)
			require.Equal(t, tt.wantReason, full.Reason)
			require.Positive(t, stored)
			eventstest.WaitMessages(t, b.Stream, stored)
			first, err := b.Stream.GetMsg(ctx, 1)
			require.NoError(t, err, "the oldest request is kept")
			require.Equal(t, "azreviewer.review.repo-1.1", first.Subject)

			msgs, err := b.Consumer.Fetch(1)
			require.NoError(t, err)
			for m := range msgs.Messages() {
				require.NoError(t, m.DoubleAck(ctx))
			}
			eventstest.WaitMessages(t, b.Stream, stored-1)
			_, err = pub.Publish(ctx, eventstest.Request(99, "c"))
			require.NoError(t, err, "a drained stream accepts again")
		})
	}
}
