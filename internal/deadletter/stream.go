package deadletter

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/streams"
)

// StreamConfig is the dead-letter stream as cfg describes it: a limits
// stream that operators list and replay, <FLEET>_DEAD_LETTERS on
// <fleet>.deadletter.> (a dead letter of <fleet>.review.<r>.<pr> is stored
// on <fleet>.deadletter.<r>.<pr>). Entries stay until DeadLetterMaxAge;
// beyond DeadLetterMaxMsgs or DeadLetterMaxBytes the oldest are dropped, so
// a flood of failing requests cannot grow it without bound and storing a
// dead letter never fails for want of room.
func StreamConfig(cfg streams.Config) jetstream.StreamConfig {
	cfg = cfg.WithDefaults()
	return jetstream.StreamConfig{
		Name:        cfg.Fleet.DeadLetterStream(),
		Description: "Review requests that failed, with the error and its diagnosis",
		Subjects:    []string{cfg.Fleet.DeadLetterSubjects()},
		Retention:   jetstream.LimitsPolicy,
		Storage:     cfg.Storage(),
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.DeadLetterMaxAge,
		MaxBytes:    streams.Limit(cfg.DeadLetterMaxBytes),
		MaxMsgs:     streams.Limit(cfg.DeadLetterMaxMsgs),
		Discard:     jetstream.DiscardOld,
	}
}

// EnsureStream creates or updates the dead-letter stream ([StreamConfig]).
// Lowering the limits of an existing stream drops its oldest entries at
// once. A byte limit the server cannot reserve fails with a
// *streams.LimitsError.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg streams.Config) (jetstream.Stream, error) {
	return streams.Ensure(ctx, js, StreamConfig(cfg))
}
