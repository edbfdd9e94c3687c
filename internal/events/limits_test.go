package events_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
)

// TestStreamsHaveLimits: both streams are provisioned with limits whatever
// the configuration says, defaults included; the review stream discards
// new messages, the dead-letter stream old ones.
func TestStreamsHaveLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    events.StreamConfig
		review jetstream.StreamConfig
		dead   jetstream.StreamConfig
	}{
		{
			name:   "defaults",
			cfg:    events.StreamConfig{Memory: true},
			review: jetstream.StreamConfig{MaxBytes: 64 << 20, MaxMsgs: 50_000, Discard: jetstream.DiscardNew},
			dead:   jetstream.StreamConfig{MaxBytes: 32 << 20, MaxMsgs: 10_000, MaxAge: 30 * 24 * time.Hour, Discard: jetstream.DiscardOld},
		},
		{
			name: "configured",
			cfg: events.StreamConfig{
				Memory: true, MaxBytes: 1 << 20, MaxMsgs: 100,
				DeadLetterMaxBytes: 2 << 20, DeadLetterMaxMsgs: 50, DeadLetterMaxAge: time.Hour,
			},
			review: jetstream.StreamConfig{MaxBytes: 1 << 20, MaxMsgs: 100, Discard: jetstream.DiscardNew},
			dead:   jetstream.StreamConfig{MaxBytes: 2 << 20, MaxMsgs: 50, MaxAge: time.Hour, Discard: jetstream.DiscardOld},
		},
		{
			name:   "negative is no limit",
			cfg:    events.StreamConfig{Memory: true, MaxBytes: -1, MaxMsgs: -5, DeadLetterMaxBytes: -1, DeadLetterMaxMsgs: -1},
			review: jetstream.StreamConfig{MaxBytes: -1, MaxMsgs: -1, Discard: jetstream.DiscardNew},
			dead:   jetstream.StreamConfig{MaxBytes: -1, MaxMsgs: -1, MaxAge: 30 * 24 * time.Hour, Discard: jetstream.DiscardOld},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, tt.cfg)
			got := b.Stream.CachedInfo().Config
			require.Equal(t, tt.review.MaxBytes, got.MaxBytes)
			require.Equal(t, tt.review.MaxMsgs, got.MaxMsgs)
			require.Equal(t, tt.review.Discard, got.Discard)
			dead := b.DeadLetters.CachedInfo().Config
			require.Equal(t, tt.dead.MaxBytes, dead.MaxBytes)
			require.Equal(t, tt.dead.MaxMsgs, dead.MaxMsgs)
			require.Equal(t, tt.dead.MaxAge, dead.MaxAge)
			require.Equal(t, tt.dead.Discard, dead.Discard)
		})
	}
}

// TestFullReviewStreamRefusesNewRequests: a full review stream keeps what
// it holds and refuses the next request with a *QueueFullError; once
// workers drain it, requests are accepted again.
func TestFullReviewStreamRefusesNewRequests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        events.StreamConfig
		wantReason string
	}{
		{"message limit", events.StreamConfig{Memory: true, MaxMsgs: 3}, "maximum messages exceeded"},
		{"byte limit", events.StreamConfig{Memory: true, MaxBytes: 1500}, "maximum bytes exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, tt.cfg)
			ctx := context.Background()
			pub := events.NewPublisher(b.JS)
			var stored uint64
			var err error
			for pr := 1; pr <= 10 && err == nil; pr++ {
				_, err = pub.Publish(ctx, request(pr, "c"))
				if err == nil {
					stored++
				}
			}
			var full *events.QueueFullError
			require.ErrorAs(t, err, &full)
			require.Equal(t, tt.wantReason, full.Reason)
			require.Positive(t, stored)
			requireMessages(t, b.Stream, stored)
			first, err := b.Stream.GetMsg(ctx, 1)
			require.NoError(t, err, "the oldest request is kept")
			require.Equal(t, "azreviewer.review.repo-1.1", first.Subject)

			msgs, err := b.Consumer.Fetch(1)
			require.NoError(t, err)
			for m := range msgs.Messages() {
				require.NoError(t, m.DoubleAck(ctx))
			}
			requireMessages(t, b.Stream, stored-1)
			_, err = pub.Publish(ctx, request(99, "c"))
			require.NoError(t, err, "a drained stream accepts again")
		})
	}
}

// TestEnsureStreamUpdatesExistingStream: a review stream created by an
// older version (no limits, discard old) and holding more than the new
// limits is updated in place: nothing queued is lost, new requests are
// refused until it drains.
func TestEnsureStreamUpdatesExistingStream(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true, MaxMsgs: -1, MaxBytes: -1})
	ctx := context.Background()
	_, err := b.JS.UpdateStream(ctx, jetstream.StreamConfig{
		Name: events.StreamName, Subjects: []string{events.SubjectPrefix + ">"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.MemoryStorage,
		Duplicates: 10 * time.Minute, MaxAge: 7 * 24 * time.Hour, MaxMsgsPerSubject: 5, Discard: jetstream.DiscardOld,
	})
	require.NoError(t, err, "the stream as an older version left it")
	pub := events.NewPublisher(b.JS)
	for pr := 1; pr <= 5; pr++ {
		_, err := pub.Publish(ctx, request(pr, "c"))
		require.NoError(t, err)
	}

	st, err := events.EnsureStream(ctx, b.JS, events.StreamConfig{Memory: true, MaxMsgs: 3})
	require.NoError(t, err)
	cfg := st.CachedInfo().Config
	require.EqualValues(t, 3, cfg.MaxMsgs)
	require.Equal(t, jetstream.DiscardNew, cfg.Discard)
	require.EqualValues(t, -1, cfg.MaxMsgsPerSubject, "limits of our own choosing replace the old ones")
	requireMessages(t, st, 5)
	_, err = pub.Publish(ctx, request(6, "c"))
	var full *events.QueueFullError
	require.ErrorAs(t, err, &full)
}

// TestDeadLetterStreamDropsOldest: the dead-letter stream keeps at most
// DeadLetterMaxMsgs entries, the newest, so a flood of failing requests
// (10,000 webhooks for missing pull requests) cannot grow it without bound,
// and storing a dead letter never fails for want of room.
func TestDeadLetterStreamDropsOldest(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true, DeadLetterMaxMsgs: 3})
	ctx := context.Background()
	for pr := 1; pr <= 5; pr++ {
		_, err := b.JS.Publish(ctx, fmt.Sprintf("%srepo-1.%d", events.DeadLetterPrefix, pr), []byte(`{}`))
		require.NoError(t, err)
	}
	requireMessages(t, b.DeadLetters, 3)
	info, err := b.DeadLetters.Info(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 3, info.State.FirstSeq, "the oldest were dropped")
}

// TestEnsureStreamReportsLimitsTheServerCannotReserve: a byte limit beyond
// what the server can store is refused at provisioning with a typed error
// and the server's reason, not later at publishing.
func TestEnsureStreamReportsLimitsTheServerCannotReserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ensure     func(context.Context, jetstream.JetStream, events.StreamConfig) (jetstream.Stream, error)
		cfg        events.StreamConfig
		wantStream string
		wantReason string
	}{
		{"review stream in memory", events.EnsureStream, events.StreamConfig{Memory: true, MaxBytes: 1 << 50}, events.StreamName, "insufficient memory resources"},
		{"review stream on disk", events.EnsureStream, events.StreamConfig{MaxBytes: 1 << 50}, events.StreamName, "insufficient storage resources"},
		{"dead letters", events.EnsureDeadLetterStream, events.StreamConfig{Memory: true, DeadLetterMaxBytes: 1 << 50}, events.DeadLetterStream, "insufficient memory resources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, events.StreamConfig{Memory: tt.cfg.Memory})
			_, err := tt.ensure(context.Background(), b.JS, tt.cfg)
			var limits *events.StreamLimitsError
			require.ErrorAs(t, err, &limits)
			require.Equal(t, tt.wantStream, limits.Stream)
			require.EqualValues(t, 1<<50, limits.MaxBytes)
			require.True(t, strings.Contains(err.Error(), tt.wantReason), err.Error())
		})
	}
}

// TestDeadLetterOfARequestNearMaxPayload: a request that fits the server's
// max_payload but whose copy with the dead-letter headers would not is
// still dead-lettered, without its body, instead of being redelivered for
// want of a dead letter; it cannot be replayed.
func TestDeadLetterOfARequestNearMaxPayload(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true, AckWait: 2 * time.Second})
	ctx := context.Background()
	req := request(7, "c7")
	data, err := req.Marshal()
	require.NoError(t, err)
	req.RepositoryName = strings.Repeat("n", int(b.Conn.MaxPayload())-len(data)-100)
	data, err = req.Marshal()
	require.NoError(t, err)
	_, err = b.JS.Publish(ctx, req.Subject(), data)
	require.NoError(t, err, "the request itself fits")

	done := make(chan struct{})
	var once sync.Once
	consumeUntil(t, b, events.ConsumeConfig{
		Logger: quiet, MaxDeliver: 3, DeadLetters: events.NewDeadLetters(b.JS),
		Backoff:   func(uint64) time.Duration { return 10 * time.Millisecond },
		OnSettled: func(events.Settlement, error, time.Duration) { once.Do(func() { close(done) }) },
	}, done, func(context.Context, jetstream.Msg) error {
		return events.Permanent(diagnosed{errors.New("403")})
	})
	requireMessages(t, b.DeadLetters, 1)
	requireMessages(t, b.Stream, 0)
	list, err := events.ListDeadLetters(ctx, b.JS, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "forbidden", list[0].ErrorType)
	require.Nil(t, list[0].Request)
	raw, err := b.DeadLetters.GetMsg(ctx, list[0].Seq)
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(len(data)), raw.Header.Get(events.HeaderBodyOmitted))
	_, err = events.ReplayDeadLetter(ctx, b.JS, list[0].Seq)
	require.ErrorContains(t, err, "cannot be replayed")
}
