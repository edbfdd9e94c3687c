package streams

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/fleet"
)

// Redelivery timing. A worker marks each running message in progress every
// [Config.Heartbeat] (a quarter of AckWait); JetStream redelivers a message
// whose worker was silent for AckWait, so a killed worker's reviews start
// again on another worker at most AckWait after it died.
const (
	// DefaultAckWait is AckWait's default: a killed worker's messages are
	// redelivered within 10 s, for 4 in-progress marks per running review
	// per AckWait (one every 2.5 s).
	DefaultAckWait = 10 * time.Second
	// MinAckWait is the shortest AckWait allowed: below it a heartbeat
	// comes more often than every 250 ms, and a garbage-collection pause or
	// a network hiccup of that length redelivers a running review.
	MinAckWait = time.Second
)

// Config describes the review stream and its consumer, the dead-letter
// stream's limits, and the storage every bucket shares, for one fleet. The
// zero value is usable: every field has a default ([Config.WithDefaults]).
type Config struct {
	// Fleet names the streams, subjects, consumer and buckets. Default:
	// the default fleet, azreviewer.
	Fleet fleet.Names
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
	// before it is redelivered; workers send one every quarter of it
	// ([Config.Heartbeat]). Default [DefaultAckWait], at least
	// [MinAckWait] ([Config.Validate]).
	AckWait time.Duration
	// MaxDeliver caps the deliveries of one message to the handler: on the
	// last, a failure is dead-lettered. The consumer allows one delivery
	// more ([Config.ConsumerMaxDeliver]), which only stores the dead letter
	// of a message whose last delivery ended unsettled. Default 10.
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

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	c.Replicas = cmp.Or(c.Replicas, 1)
	c.DuplicateWindow = cmp.Or(c.DuplicateWindow, 10*time.Minute)
	c.MaxAge = cmp.Or(c.MaxAge, 7*24*time.Hour)
	c.AckWait = cmp.Or(c.AckWait, DefaultAckWait)
	c.MaxDeliver = cmp.Or(c.MaxDeliver, 10)
	c.MaxAckPending = cmp.Or(c.MaxAckPending, 1000)
	c.DeadLetterMaxAge = cmp.Or(c.DeadLetterMaxAge, 30*24*time.Hour)
	c.MaxBytes = cmp.Or(c.MaxBytes, 64<<20)
	c.MaxMsgs = cmp.Or(c.MaxMsgs, 50_000)
	c.DeadLetterMaxBytes = cmp.Or(c.DeadLetterMaxBytes, 32<<20)
	c.DeadLetterMaxMsgs = cmp.Or(c.DeadLetterMaxMsgs, 10_000)
	return c
}

// ReserveDeliveries is how many deliveries the consumer allows beyond
// [Config.MaxDeliver]. JetStream never delivers a message again after its
// consumer's MaxDeliver, and a work-queue stream never removes a message
// that was not acked or terminated: a message whose last delivery was
// nak'ed, or whose worker stopped or crashed during it, would stay in the
// stream, delivered to no one. The reserve delivery stores such a
// message's dead letter instead (events/middleware.PoisonQueue).
const ReserveDeliveries = 1

// ConsumerMaxDeliver is the consumer's MaxDeliver: MaxDeliver and the
// [ReserveDeliveries]. A MaxDeliver of -1 (no limit) stays -1.
func (c Config) ConsumerMaxDeliver() int {
	n := c.WithDefaults().MaxDeliver
	if n < 0 {
		return n
	}
	return n + ReserveDeliveries
}

// Heartbeat is how often a worker marks a running message in progress: a
// quarter of AckWait, so three marks in a row may be lost before the
// message is redelivered.
func (c Config) Heartbeat() time.Duration {
	return c.WithDefaults().AckWait / 4
}

// ErrAckWaitTooShort is [Config.Validate]'s error for an AckWait under
// [MinAckWait].
var ErrAckWaitTooShort = errors.New("ack wait too short")

// Validate checks the settings whose relation the consumer relies on: an
// AckWait of at least [MinAckWait], so that the heartbeat ([Config.Heartbeat])
// stays well apart from it. A zero AckWait is the default and valid.
func (c Config) Validate() error {
	if c.AckWait != 0 && c.AckWait < MinAckWait {
		return fmt.Errorf("%w: %s; workers mark a running review in progress every quarter of it, so a pause of the process or the network longer than that would redeliver it to a second worker; use at least %s (default %s)",
			ErrAckWaitTooShort, c.AckWait, MinAckWait, DefaultAckWait)
	}
	return nil
}

// Limit is a configured limit as JetStream spells it: -1 for none.
func Limit(n int64) int64 {
	if n < 0 {
		return -1
	}
	return n
}

// Storage is where the streams and buckets are kept: memory or file.
func (c Config) Storage() jetstream.StorageType {
	if c.Memory {
		return jetstream.MemoryStorage
	}
	return jetstream.FileStorage
}

// ReviewStream is the review stream as cfg describes it.
func ReviewStream(cfg Config) jetstream.StreamConfig {
	cfg = cfg.WithDefaults()
	return jetstream.StreamConfig{
		Name:        cfg.Fleet.ReviewStream(),
		Description: "Azure DevOps pull requests waiting for review",
		Subjects:    []string{cfg.Fleet.ReviewSubjects()},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     cfg.Storage(),
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.MaxAge,
		Duplicates:  cfg.DuplicateWindow,
		MaxBytes:    Limit(cfg.MaxBytes),
		MaxMsgs:     Limit(cfg.MaxMsgs),
		// A full queue refuses new requests: ingest answers 503 and Azure
		// DevOps delivers again, instead of old, accepted work being lost.
		Discard: jetstream.DiscardNew,
		// No per-subject limit: with one, a late retry of an old push would
		// replace a newer push still queued, and the old one, already
		// reviewed, would then be skipped — losing the newer push. Workers
		// skip superseded requests without calling Azure DevOps instead.
	}
}

// DeadLetterStream is the dead-letter stream as cfg describes it: a limits
// stream that operators list and replay, <FLEET>_DEAD_LETTERS on
// <fleet>.deadletter.> (a dead letter of <fleet>.review.<r>.<pr> is stored
// on <fleet>.deadletter.<r>.<pr>). Entries stay until DeadLetterMaxAge;
// beyond DeadLetterMaxMsgs or DeadLetterMaxBytes the oldest are dropped, so
// a flood of failing requests cannot grow it without bound and storing a
// dead letter never fails for want of room.
func DeadLetterStream(cfg Config) jetstream.StreamConfig {
	cfg = cfg.WithDefaults()
	return jetstream.StreamConfig{
		Name:        cfg.Fleet.DeadLetterStream(),
		Description: "Review requests that failed, with the error and its diagnosis",
		Subjects:    []string{cfg.Fleet.DeadLetterSubjects()},
		Retention:   jetstream.LimitsPolicy,
		Storage:     cfg.Storage(),
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.DeadLetterMaxAge,
		MaxBytes:    Limit(cfg.DeadLetterMaxBytes),
		MaxMsgs:     Limit(cfg.DeadLetterMaxMsgs),
		Discard:     jetstream.DiscardOld,
	}
}

// Consumer is the durable pull consumer shared by all workers of the
// fleet, as cfg describes it.
func Consumer(cfg Config) jetstream.ConsumerConfig {
	cfg = cfg.WithDefaults()
	return jetstream.ConsumerConfig{
		Durable:       cfg.Fleet.Consumer(),
		Description:   "azreviewer workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    cfg.ConsumerMaxDeliver(),
		MaxAckPending: cfg.MaxAckPending,
		FilterSubject: cfg.Fleet.ReviewSubjects(),
	}
}

// EnsureReviews creates or updates the review stream: [Ensure] of
// [ReviewStream], as package provision applies it. Ingest and workers
// never call it: they check the stream.
//
// The configured limits replace whatever limits an existing stream has.
// Lowering them below what the stream holds loses nothing: the queued
// requests stay and new ones are refused until workers have drained the
// stream below the limits. A byte limit the server or account cannot
// reserve fails with a *LimitsError.
func EnsureReviews(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.Stream, error) {
	return Ensure(ctx, js, ReviewStream(cfg))
}

// EnsureDeadLetters creates or updates the dead-letter stream ([Ensure] of
// [DeadLetterStream]). Lowering the limits of an existing stream drops its
// oldest entries at once. A byte limit the server cannot reserve fails
// with a *LimitsError.
func EnsureDeadLetters(ctx context.Context, js jetstream.JetStream, cfg Config) (jetstream.Stream, error) {
	return Ensure(ctx, js, DeadLetterStream(cfg))
}

// Ensure creates or updates the stream cfg describes. A byte limit the
// server or account cannot reserve fails with a *LimitsError.
func Ensure(ctx context.Context, js jetstream.JetStream, cfg jetstream.StreamConfig) (jetstream.Stream, error) {
	st, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create or update stream %s: %w", cfg.Name, limitsError(cfg.Name, cfg.MaxBytes, err))
	}
	return st, nil
}

// LimitsError means the server refused a stream's limits: it cannot
// reserve MaxBytes (the server's or the account's JetStream storage is
// smaller). Retrying cannot help; the configuration must change.
type LimitsError struct {
	Stream   string
	MaxBytes int64
	Err      error
}

func (e *LimitsError) Error() string {
	return fmt.Sprintf("stream %s: the server cannot reserve %d bytes for it: %v", e.Stream, e.MaxBytes, e.Err)
}

func (e *LimitsError) Unwrap() error { return e.Err }

// JetStream error codes that nats.go does not name (nats-server's
// JSMemoryResourcesExceededErr, JSStorageResourcesExceededErr).
const (
	errCodeMemoryResourcesExceeded  jetstream.ErrorCode = 10028
	errCodeStorageResourcesExceeded jetstream.ErrorCode = 10047
)

// limitsError types the server's refusal to reserve a stream's bytes.
func limitsError(stream string, maxBytes int64, err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode == errCodeMemoryResourcesExceeded || apiErr.ErrorCode == errCodeStorageResourcesExceeded) {
		return &LimitsError{Stream: stream, MaxBytes: maxBytes, Err: err}
	}
	return err
}
