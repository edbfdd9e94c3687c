package streams_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestStreamsHaveLimits: both streams are provisioned with limits whatever
// the configuration says, defaults included; the review stream discards
// new messages, the dead-letter stream old ones.
func TestStreamsHaveLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    streams.Config
		review jetstream.StreamConfig
		dead   jetstream.StreamConfig
	}{
		{
			name:   "defaults",
			cfg:    streams.Config{Memory: true},
			review: jetstream.StreamConfig{MaxBytes: 64 << 20, MaxMsgs: 50_000, Discard: jetstream.DiscardNew},
			dead:   jetstream.StreamConfig{MaxBytes: 32 << 20, MaxMsgs: 10_000, MaxAge: 30 * 24 * time.Hour, Discard: jetstream.DiscardOld},
		},
		{
			name: "configured",
			cfg: streams.Config{
				Memory: true, MaxBytes: 1 << 20, MaxMsgs: 100,
				DeadLetterMaxBytes: 2 << 20, DeadLetterMaxMsgs: 50, DeadLetterMaxAge: time.Hour,
			},
			review: jetstream.StreamConfig{MaxBytes: 1 << 20, MaxMsgs: 100, Discard: jetstream.DiscardNew},
			dead:   jetstream.StreamConfig{MaxBytes: 2 << 20, MaxMsgs: 50, MaxAge: time.Hour, Discard: jetstream.DiscardOld},
		},
		{
			name:   "negative is no limit",
			cfg:    streams.Config{Memory: true, MaxBytes: -1, MaxMsgs: -5, DeadLetterMaxBytes: -1, DeadLetterMaxMsgs: -1},
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

// TestEnsureStreamUpdatesExistingStream: a review stream created by an
// older version (no limits, discard old) and holding more than the new
// limits is updated in place: nothing queued is lost, new requests are
// refused until it drains.
func TestEnsureStreamUpdatesExistingStream(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true, MaxMsgs: -1, MaxBytes: -1})
	ctx := context.Background()
	_, err := b.JS.UpdateStream(ctx, jetstream.StreamConfig{
		Name: fleet.Names{}.ReviewStream(), Subjects: []string{fleet.Names{}.ReviewSubjectPrefix() + ">"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.MemoryStorage,
		Duplicates: 10 * time.Minute, MaxAge: 7 * 24 * time.Hour, MaxMsgsPerSubject: 5, Discard: jetstream.DiscardOld,
	})
	require.NoError(t, err, "the stream as an older version left it")
	pub := events.NewPublisher(b.JS, fleet.Names{})
	for pr := 1; pr <= 5; pr++ {
		_, err := pub.Publish(ctx, eventstest.Request(pr, "c"))
		require.NoError(t, err)
	}

	st, err := streams.EnsureReviews(ctx, b.JS, streams.Config{Memory: true, MaxMsgs: 3})
	require.NoError(t, err)
	cfg := st.CachedInfo().Config
	require.EqualValues(t, 3, cfg.MaxMsgs)
	require.Equal(t, jetstream.DiscardNew, cfg.Discard)
	require.EqualValues(t, -1, cfg.MaxMsgsPerSubject, "limits of our own choosing replace the old ones")
	eventstest.WaitMessages(t, st, 5)
	_, err = pub.Publish(ctx, eventstest.Request(6, "c"))
	var full *events.QueueFullError
	require.ErrorAs(t, err, &full)
}

// TestEnsureStreamReportsLimitsTheServerCannotReserve: a byte limit beyond
// what the server can store is refused at provisioning with a typed error
// and the server's reason, not later at publishing.
func TestEnsureStreamReportsLimitsTheServerCannotReserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ensure     func(context.Context, jetstream.JetStream, streams.Config) (jetstream.Stream, error)
		cfg        streams.Config
		wantStream string
		wantReason string
	}{
		{"review stream in memory", streams.EnsureReviews, streams.Config{Memory: true, MaxBytes: 1 << 50}, fleet.Names{}.ReviewStream(), "insufficient memory resources"},
		{"review stream on disk", streams.EnsureReviews, streams.Config{MaxBytes: 1 << 50}, fleet.Names{}.ReviewStream(), "insufficient storage resources"},
		{"dead letters", streams.EnsureDeadLetters, streams.Config{Memory: true, DeadLetterMaxBytes: 1 << 50}, fleet.Names{}.DeadLetterStream(), "insufficient memory resources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, streams.Config{Memory: tt.cfg.Memory})
			_, err := tt.ensure(context.Background(), b.JS, tt.cfg)
			var limits *streams.LimitsError
			require.ErrorAs(t, err, &limits)
			require.Equal(t, tt.wantStream, limits.Stream)
			require.EqualValues(t, 1<<50, limits.MaxBytes)
			require.True(t, strings.Contains(err.Error(), tt.wantReason), err.Error())
		})
	}
}

// TestAckWaitAndHeartbeat: the consumer's ack wait defaults to 10 s, the
// heartbeat is a quarter of the ack wait, and an ack wait under a second
// is refused by Validate.
func TestAckWaitAndHeartbeat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		cfg           streams.Config
		wantAckWait   time.Duration
		wantHeartbeat time.Duration
		wantErr       error
	}{
		{name: "default", cfg: streams.Config{Memory: true}, wantAckWait: 10 * time.Second, wantHeartbeat: 2500 * time.Millisecond},
		{name: "configured", cfg: streams.Config{Memory: true, AckWait: time.Minute}, wantAckWait: time.Minute, wantHeartbeat: 15 * time.Second},
		{name: "shortest", cfg: streams.Config{Memory: true, AckWait: time.Second}, wantAckWait: time.Second, wantHeartbeat: 250 * time.Millisecond},
		{name: "too short", cfg: streams.Config{Memory: true, AckWait: 999 * time.Millisecond}, wantErr: streams.ErrAckWaitTooShort},
		{name: "negative", cfg: streams.Config{Memory: true, AckWait: -time.Second}, wantErr: streams.ErrAckWaitTooShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantHeartbeat, tt.cfg.Heartbeat())
			b := eventstest.Start(t, tt.cfg)
			require.Equal(t, tt.wantAckWait, b.Consumer.CachedInfo().Config.AckWait)
		})
	}
}

// TestConsumerKeepsADeliveryInReserve: the consumer allows one delivery
// more than MAX_DELIVER, the one that stores the dead letter of a request
// whose last delivery ended unsettled; no limit stays no limit.
func TestConsumerKeepsADeliveryInReserve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		maxDeliver int
		want       int
	}{
		{"default", 0, 11},
		{"configured", 3, 4},
		{"one", 1, 2},
		{"no limit", -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := streams.Config{MaxDeliver: tt.maxDeliver}
			require.Equal(t, tt.want, streams.Consumer(cfg).MaxDeliver)
			require.Equal(t, tt.want, cfg.ConsumerMaxDeliver())
		})
	}
}
