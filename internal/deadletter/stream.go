package deadletter

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/streams"
)

// The dead-letter stream and the prefix of its subjects: a dead letter of
// azreviewer.review.<repositoryId>.<pullRequestId> is stored on
// azreviewer.deadletter.<repositoryId>.<pullRequestId>.
const (
	Stream        = "AZREVIEWER_DEAD_LETTERS"
	SubjectPrefix = "azreviewer.deadletter."
)

// EnsureStream creates or updates the dead-letter stream: a limits stream
// that operators list and replay. Entries stay until DeadLetterMaxAge;
// beyond DeadLetterMaxMsgs or DeadLetterMaxBytes the oldest are dropped, so
// a flood of failing requests cannot grow it without bound and storing a
// dead letter never fails for want of room. Lowering the limits of an
// existing stream drops its oldest entries at once. A byte limit the server
// cannot reserve fails with a *streams.LimitsError.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg streams.Config) (jetstream.Stream, error) {
	cfg = cfg.WithDefaults()
	return streams.Ensure(ctx, js, jetstream.StreamConfig{
		Name:        Stream,
		Description: "Review requests that failed, with the error and its diagnosis",
		Subjects:    []string{SubjectPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     cfg.Storage(),
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.DeadLetterMaxAge,
		MaxBytes:    streams.Limit(cfg.DeadLetterMaxBytes),
		MaxMsgs:     streams.Limit(cfg.DeadLetterMaxMsgs),
		Discard:     jetstream.DiscardOld,
	})
}
