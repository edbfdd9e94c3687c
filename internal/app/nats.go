package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Provision makes sure the review and dead-letter streams exist, retrying
// while JetStream is not ready yet (a cluster electing its leader), until
// ctx ends.
func Provision(ctx context.Context, js jetstream.JetStream, cfg streams.Config, log *slog.Logger) (jetstream.Stream, error) {
	for attempt := 1; ; attempt++ {
		st, err := streams.EnsureReviews(ctx, js, cfg)
		if err == nil {
			_, err = deadletter.EnsureStream(ctx, js, cfg)
		}
		if err == nil {
			return st, nil
		}
		var limits *streams.LimitsError
		if errors.As(err, &limits) {
			return nil, fmt.Errorf("%w: %w (lower STREAM_MAX_BYTES or DEAD_LETTER_MAX_BYTES, or give the server's or account's JetStream more storage)", ErrUsage, err)
		}
		log.WarnContext(ctx, "JetStream not ready; retrying", "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("provision JetStream: %w", err)
		case <-time.After(min(time.Duration(attempt)*time.Second, 5*time.Second)):
		}
	}
}

// redact hides credentials embedded in NATS URLs (nats://user:pass@host).
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		if u, err := url.Parse(strings.TrimSpace(p)); err == nil && u.User != nil {
			u.User = url.User("redacted")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}
