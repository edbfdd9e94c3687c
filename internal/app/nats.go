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

	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// ProvisionFleet creates or updates the fleet's streams, consumer and
// buckets from c ([provision.Apply]), retrying while JetStream is not ready
// yet (a cluster electing its leader, peers still joining), until ctx ends.
// Each change is logged.
func ProvisionFleet(ctx context.Context, js jetstream.JetStream, c *Common, log *slog.Logger) ([]provision.Change, error) {
	var changes []provision.Change
	earlier := map[string]provision.Change{} // what a failed try already did
	err := retryJetStream(ctx, "provision JetStream", log, func(ctx context.Context) error {
		for _, ch := range changes {
			if ch.Action != provision.Unchanged {
				earlier[ch.Resource] = ch
			}
		}
		var err error
		changes, err = provision.Apply(ctx, js, c.Provisioning())
		for i, ch := range changes {
			if prev, ok := earlier[ch.Resource]; ok && ch.Action == provision.Unchanged {
				changes[i] = prev
			}
		}
		return err
	})
	for _, ch := range changes {
		log.InfoContext(ctx, "provisioned", "resource", ch.Resource, "action", string(ch.Action), "change", ch.String())
	}
	return changes, err
}

// CheckFleet checks that the fleet's resources of scope exist and agree
// with c ([provision.Check]), retrying while JetStream is not ready, until
// ctx ends. A missing or contradicting resource is a configuration
// mistake (ErrUsage, exit status 2): it is never changed from here.
func CheckFleet(ctx context.Context, js jetstream.JetStream, c *Common, scope provision.Scope, log *slog.Logger) error {
	return retryJetStream(ctx, "check JetStream", log, func(ctx context.Context) error {
		return provision.Check(ctx, js, c.Provisioning(), scope)
	})
}

// retryJetStream runs step until it succeeds, fails with an error retrying
// cannot mend (a contradiction, a limit the server cannot reserve: both
// ErrUsage), or ctx ends, logging each failed try. A try gets at most
// 10 s: on a cluster still placing its first groups a request may wait
// for the whole of a long ctx otherwise.
func retryJetStream(ctx context.Context, what string, log *slog.Logger, step func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		tryCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := step(tryCtx)
		cancel()
		if err == nil {
			return nil
		}
		var limits *streams.LimitsError
		if errors.As(err, &limits) {
			return fmt.Errorf("%w: %w (lower STREAM_MAX_BYTES or DEAD_LETTER_MAX_BYTES, or give the server's or account's JetStream more storage)", ErrUsage, err)
		}
		var mismatch *provision.MismatchError
		if errors.As(err, &mismatch) {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		log.WarnContext(ctx, "JetStream not ready; retrying", "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, err)
		case <-time.After(min(time.Duration(attempt)*time.Second, 5*time.Second)):
		}
	}
}

// redact hides what may be a credential in each of a comma-separated list
// of URLs: the user information (nats://user:pass@host) and the values of
// the query (an endpoint's ?key=…), which keep only their names.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(not a URL)"
			continue
		}
		if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
			continue
		}
		if u.User != nil {
			u.User = url.User("redacted")
		}
		if u.RawQuery != "" {
			q := u.Query()
			for k := range q {
				q[k] = []string{"redacted"}
			}
			u.RawQuery = q.Encode()
		}
		u.Fragment = ""
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}
