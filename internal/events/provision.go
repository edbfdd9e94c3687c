package events

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Names of the JetStream resources azreviewer uses.
const (
	StreamName    = "AZREVIEWER_REVIEWS"
	SubjectPrefix = "azreviewer.review."
	ConsumerName  = "workers"
)

// StreamConfig describes the review stream and its consumer. The zero value
// is usable: every field has a default.
type StreamConfig struct {
	// Replicas is the number of stream replicas: 1 for a single server, 3 in
	// a fleet's cluster. Default 1.
	Replicas int
	// Memory keeps the stream in memory instead of on disk. Default false.
	Memory bool
	// DuplicateWindow is how long a Nats-Msg-Id is remembered, so Azure
	// DevOps' retries of one delivery (up to about 3 minutes apart) collapse.
	// Default 10 minutes.
	DuplicateWindow time.Duration
	// MaxAge drops requests nobody consumed. Default 7 days.
	MaxAge time.Duration
	// AckWait is how long a worker may hold a message without a heartbeat
	// before it is redelivered. Default 60 s.
	AckWait time.Duration
	// MaxDeliver caps deliveries of one message. Default 10.
	MaxDeliver int
	// MaxAckPending caps messages in flight across all workers. Default 1000.
	MaxAckPending int
	// MaxBytes caps the review stream's size in bytes; negative means no
	// limit. Default 64 MiB (a review request is about 1 KiB, at most about
	// 6 KiB with its comment). A full stream refuses new requests (discard
	// new), so ingest answers 503 and Azure DevOps retries, and no queued
	// work is lost.
	MaxBytes int64
	// MaxMsgs caps the review stream's messages; negative means no limit.
	// Default 50,000.
	MaxMsgs int64
	// DeadLetterMaxAge is how long dead letters are kept. Default 30 days.
	DeadLetterMaxAge time.Duration
	// DeadLetterMaxBytes caps the dead-letter stream's size; when full, the
	// oldest dead letters are dropped. Negative means no limit. Default
	// 32 MiB.
	DeadLetterMaxBytes int64
	// DeadLetterMaxMsgs caps the dead letters kept; when full, the oldest
	// are dropped. Negative means no limit. Default 10,000.
	DeadLetterMaxMsgs int64
}

// Default stream limits.
const (
	DefaultMaxBytes           = 64 << 20
	DefaultMaxMsgs            = 50_000
	DefaultDeadLetterMaxBytes = 32 << 20
	DefaultDeadLetterMaxMsgs  = 10_000
)

func (c StreamConfig) withDefaults() StreamConfig {
	c.Replicas = cmp.Or(c.Replicas, 1)
	c.DuplicateWindow = cmp.Or(c.DuplicateWindow, 10*time.Minute)
	c.MaxAge = cmp.Or(c.MaxAge, 7*24*time.Hour)
	c.AckWait = cmp.Or(c.AckWait, 60*time.Second)
	c.MaxDeliver = cmp.Or(c.MaxDeliver, 10)
	c.MaxAckPending = cmp.Or(c.MaxAckPending, 1000)
	c.DeadLetterMaxAge = cmp.Or(c.DeadLetterMaxAge, 30*24*time.Hour)
	c.MaxBytes = cmp.Or(c.MaxBytes, DefaultMaxBytes)
	c.MaxMsgs = cmp.Or(c.MaxMsgs, DefaultMaxMsgs)
	c.DeadLetterMaxBytes = cmp.Or(c.DeadLetterMaxBytes, DefaultDeadLetterMaxBytes)
	c.DeadLetterMaxMsgs = cmp.Or(c.DeadLetterMaxMsgs, DefaultDeadLetterMaxMsgs)
	return c
}

// limit is a configured limit as JetStream spells it: -1 for none.
func limit(n int64) int64 {
	if n < 0 {
		return -1
	}
	return n
}

func (c StreamConfig) storage() jetstream.StorageType {
	if c.Memory {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

// EnsureStream creates or updates the review stream. Ingest and workers both
// call it at start-up, so either may start first.
//
// The configured limits replace whatever limits an existing stream has.
// Lowering them below what the stream holds loses nothing: the queued
// requests stay and new ones are refused until workers have drained the
// stream below the limits. A byte limit the server or account cannot
// reserve fails with a *StreamLimitsError.
func EnsureStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) (jetstream.Stream, error) {
	cfg = cfg.withDefaults()
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Azure DevOps pull requests waiting for review",
		Subjects:    []string{SubjectPrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     cfg.storage(),
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.MaxAge,
		Duplicates:  cfg.DuplicateWindow,
		MaxBytes:    limit(cfg.MaxBytes),
		MaxMsgs:     limit(cfg.MaxMsgs),
		// A full queue refuses new requests: ingest answers 503 and Azure
		// DevOps delivers again, instead of old, accepted work being lost.
		Discard: jetstream.DiscardNew,
		// No per-subject limit: with one, a late retry of an old push would
		// replace a newer push still queued, and the old one, already
		// reviewed, would then be skipped — losing the newer push. Workers
		// skip superseded requests without calling Azure DevOps instead.
	})
	if err != nil {
		return nil, fmt.Errorf("create or update stream %s: %w", StreamName, limitsError(StreamName, cfg.MaxBytes, err))
	}
	return st, nil
}

// EnsureConsumer creates or updates the durable pull consumer shared by all
// workers.
func EnsureConsumer(ctx context.Context, st jetstream.Stream, cfg StreamConfig) (jetstream.Consumer, error) {
	cfg = cfg.withDefaults()
	cons, err := st.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		Description:   "azreviewer workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    cfg.MaxDeliver,
		MaxAckPending: cfg.MaxAckPending,
		FilterSubject: SubjectPrefix + ">",
	})
	if err != nil {
		return nil, fmt.Errorf("create or update consumer %s: %w", ConsumerName, err)
	}
	return cons, nil
}
