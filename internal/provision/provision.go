package provision

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/budget"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Config is the one configuration of a fleet's resources.
type Config struct {
	// Stream is the streams', consumer's and buckets' configuration,
	// the fleet's name included.
	Stream streams.Config
	// LeaseTTL is the lease bucket's TTL. Default: coordination's (45 s).
	LeaseTTL time.Duration
}

// Scope is the set of resources a process uses and so checks.
type Scope int

const (
	// IngestScope is what ingest publishes to: the review stream and the
	// dead-letter stream (whose limits it is configured with too).
	IngestScope Scope = iota
	// WorkerScope is everything: both streams, the consumer and the
	// buckets.
	WorkerScope
)

// Action is what Apply did to a resource.
type Action string

// Actions.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
)

// Change is what Apply did to one resource, and for an update the values
// it changed.
type Change struct {
	Resource string
	Action   Action
	Diffs    []Mismatch
}

func (c Change) String() string {
	if len(c.Diffs) == 0 {
		return fmt.Sprintf("%s %s", c.Action, c.Resource)
	}
	parts := make([]string, len(c.Diffs))
	for i, d := range c.Diffs {
		parts[i] = fmt.Sprintf("%s %s → %s", d.Field, d.Have, d.Want)
	}
	return fmt.Sprintf("%s %s: %s", c.Action, c.Resource, strings.Join(parts, ", "))
}

// Mismatch is one value of an existing resource that differs from the
// configuration.
type Mismatch struct {
	// Resource is the resource's kind and name, "stream AZREVIEWER_REVIEWS".
	Resource string
	// Field is the value's name, "replicas".
	Field string
	// Have is the resource's value, Want the configuration's.
	Have, Want string
	// Setting is the environment variable that decides Want ("MAX_DELIVER
	// + 1" when Want is derived from it); empty when this version of
	// azreviewer fixes it.
	Setting string
}

func (m Mismatch) String() string {
	if m.Setting == "" {
		return fmt.Sprintf("%s has %s %s; this version of azreviewer needs %s: run `worker provision` to change it",
			m.Resource, m.Field, m.Have, m.Want)
	}
	return fmt.Sprintf("%s has %s %s; this process is configured for %s (%s): run `worker provision` to change it, or fix the setting",
		m.Resource, m.Field, m.Have, m.Want, m.Setting)
}

// MismatchError means existing resources are missing or contradict the
// process's configuration. Nothing was changed.
type MismatchError struct {
	// Missing are the resources that do not exist.
	Missing []string
	// Mismatches are the contradicting values.
	Mismatches []Mismatch
}

func (e *MismatchError) Error() string {
	var parts []string
	for _, r := range e.Missing {
		parts = append(parts, r+" does not exist: run `worker provision` with the fleet's configuration to create it")
	}
	for _, m := range e.Mismatches {
		parts = append(parts, m.String())
	}
	return "JetStream resources do not match this process's configuration: " + strings.Join(parts, "; ")
}

// Apply creates every resource of cfg that is missing and updates every one
// whose values differ, returning what it did, resource by resource. A
// byte limit the server cannot reserve fails with a *streams.LimitsError.
func Apply(ctx context.Context, js jetstream.JetStream, cfg Config) ([]Change, error) {
	var changes []Change
	for _, r := range resources(cfg, WorkerScope) {
		have, found, err := r.read(ctx, js)
		if err != nil {
			return changes, err
		}
		c := Change{Resource: r.name, Action: Created}
		if found {
			c.Diffs = r.diff(have)
			c.Action = Updated
			if len(c.Diffs) == 0 {
				c.Action = Unchanged
			}
		}
		if c.Action != Unchanged {
			if err := r.apply(ctx, js); err != nil {
				return changes, err
			}
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// Check compares the resources of scope with cfg and returns a
// *MismatchError naming every one missing and every contradicting value.
// It changes nothing. Other errors mean JetStream could not be asked.
func Check(ctx context.Context, js jetstream.JetStream, cfg Config, scope Scope) error {
	var mismatch MismatchError
	for _, r := range resources(cfg, scope) {
		have, found, err := r.read(ctx, js)
		if err != nil {
			return err
		}
		if !found {
			mismatch.Missing = append(mismatch.Missing, r.name)
			continue
		}
		mismatch.Mismatches = append(mismatch.Mismatches, r.diff(have)...)
	}
	if len(mismatch.Missing) == 0 && len(mismatch.Mismatches) == 0 {
		return nil
	}
	return &mismatch
}

// resource is one resource: how to read what exists, compare it and
// create or update it.
type resource struct {
	name  string
	read  func(context.Context, jetstream.JetStream) (have any, found bool, err error)
	diff  func(have any) []Mismatch
	apply func(context.Context, jetstream.JetStream) error
}

func resources(cfg Config, scope Scope) []resource {
	cfg.Stream = cfg.Stream.WithDefaults()
	review := streams.ReviewStream(cfg.Stream)
	dead := streams.DeadLetterStream(cfg.Stream)
	out := []resource{
		streamResource(review, streamSettings{maxBytes: "STREAM_MAX_BYTES", maxMsgs: "STREAM_MAX_MSGS", duplicates: "DUPLICATE_WINDOW"}),
		streamResource(dead, streamSettings{maxBytes: "DEAD_LETTER_MAX_BYTES", maxMsgs: "DEAD_LETTER_MAX_MSGS", maxAge: "DEAD_LETTER_MAX_AGE"}),
	}
	if scope == IngestScope {
		return out
	}
	coord := coordination.Config{LeaseTTL: cfg.LeaseTTL}
	return append(out,
		consumerResource(review.Name, streams.Consumer(cfg.Stream)),
		bucketResource(coordination.LeaseBucket(cfg.Stream, coord), "LEASE_TTL"),
		bucketResource(coordination.StateBucket(cfg.Stream), ""),
		bucketResource(coordination.MemoryBucket(cfg.Stream), ""),
		bucketResource(budget.Bucket(cfg.Stream), ""),
	)
}

// streamSettings name the settings of a stream's values; an empty name is
// a value this version fixes.
type streamSettings struct{ maxBytes, maxMsgs, maxAge, duplicates string }

func streamResource(want jetstream.StreamConfig, s streamSettings) resource {
	name := "stream " + want.Name
	return resource{
		name: name,
		read: func(ctx context.Context, js jetstream.JetStream) (any, bool, error) {
			st, err := js.Stream(ctx, want.Name)
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, fmt.Errorf("read %s: %w", name, err)
			}
			return st.CachedInfo().Config, true, nil
		},
		diff: func(h any) []Mismatch {
			have := h.(jetstream.StreamConfig)
			fields := []field{
				{"replicas", strconv.Itoa(have.Replicas), strconv.Itoa(want.Replicas), "STREAM_REPLICAS"},
				{"subjects", strings.Join(have.Subjects, ","), strings.Join(want.Subjects, ","), "FLEET_NAME"},
				{"retention", have.Retention.String(), want.Retention.String(), ""},
				{"max bytes", limit(have.MaxBytes), limit(want.MaxBytes), s.maxBytes},
				{"max messages", limit(have.MaxMsgs), limit(want.MaxMsgs), s.maxMsgs},
				{"max age", age(have.MaxAge), age(want.MaxAge), s.maxAge},
				{"discard policy", discard(have.Discard), discard(want.Discard), ""},
			}
			if s.duplicates != "" {
				// Only the review stream sets one; the server gives
				// others its default.
				fields = append(fields, field{"duplicate window", have.Duplicates.String(), want.Duplicates.String(), s.duplicates})
			}
			return compare(name, fields)
		},
		apply: func(ctx context.Context, js jetstream.JetStream) error {
			_, err := streams.Ensure(ctx, js, want)
			return err
		},
	}
}

func consumerResource(stream string, want jetstream.ConsumerConfig) resource {
	name := fmt.Sprintf("consumer %s of stream %s", want.Durable, stream)
	return resource{
		name: name,
		read: func(ctx context.Context, js jetstream.JetStream) (any, bool, error) {
			cons, err := js.Consumer(ctx, stream, want.Durable)
			if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, fmt.Errorf("read %s: %w", name, err)
			}
			return cons.CachedInfo().Config, true, nil
		},
		diff: func(h any) []Mismatch {
			have := h.(jetstream.ConsumerConfig)
			return compare(name, []field{
				{"ack wait", have.AckWait.String(), want.AckWait.String(), "ACK_WAIT"},
				// One more than MAX_DELIVER: the reserve delivery
				// (streams.ReserveDeliveries).
				{"max deliver", strconv.Itoa(have.MaxDeliver), strconv.Itoa(want.MaxDeliver), "MAX_DELIVER + 1"},
				{"filter subject", have.FilterSubject, want.FilterSubject, "FLEET_NAME"},
				{"back-off", backoff(have.BackOff), backoff(want.BackOff), ""},
				{"ack policy", have.AckPolicy.String(), want.AckPolicy.String(), ""},
				{"max ack pending", strconv.Itoa(have.MaxAckPending), strconv.Itoa(want.MaxAckPending), ""},
			})
		},
		apply: func(ctx context.Context, js jetstream.JetStream) error {
			_, err := js.CreateOrUpdateConsumer(ctx, stream, want)
			if err != nil {
				return fmt.Errorf("create or update %s: %w", name, err)
			}
			return nil
		},
	}
}

func bucketResource(want jetstream.KeyValueConfig, ttlSetting string) resource {
	name := "bucket " + want.Bucket
	return resource{
		name: name,
		read: func(ctx context.Context, js jetstream.JetStream) (any, bool, error) {
			kv, err := js.KeyValue(ctx, want.Bucket)
			if errors.Is(err, jetstream.ErrBucketNotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, fmt.Errorf("read %s: %w", name, err)
			}
			status, err := kv.Status(ctx)
			if err != nil {
				return nil, false, fmt.Errorf("read %s: %w", name, err)
			}
			bs, ok := status.(*jetstream.KeyValueBucketStatus)
			if !ok {
				return nil, false, fmt.Errorf("read %s: unexpected status %T", name, status)
			}
			return bs.StreamInfo().Config, true, nil
		},
		diff: func(h any) []Mismatch {
			have := h.(jetstream.StreamConfig)
			fields := []field{{"replicas", strconv.Itoa(have.Replicas), strconv.Itoa(want.Replicas), "STREAM_REPLICAS"}}
			if ttlSetting != "" {
				fields = append(fields, field{"TTL", age(have.MaxAge), age(want.TTL), ttlSetting})
			}
			return compare(name, fields)
		},
		apply: func(ctx context.Context, js jetstream.JetStream) error {
			if _, err := js.CreateOrUpdateKeyValue(ctx, want); err != nil {
				return fmt.Errorf("create or update %s: %w", name, err)
			}
			return nil
		},
	}
}

// field is one compared value, formatted.
type field struct{ name, have, want, setting string }

func compare(resource string, fields []field) []Mismatch {
	var out []Mismatch
	for _, f := range fields {
		if f.have != f.want {
			out = append(out, Mismatch{Resource: resource, Field: f.name, Have: f.have, Want: f.want, Setting: f.setting})
		}
	}
	return out
}

func limit(n int64) string {
	if n < 0 {
		return "none"
	}
	return strconv.FormatInt(n, 10)
}

func age(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	return d.String()
}

func discard(p jetstream.DiscardPolicy) string {
	if p == jetstream.DiscardNew {
		return "new"
	}
	return "old"
}

func backoff(b []time.Duration) string {
	if len(b) == 0 {
		return "none"
	}
	return fmt.Sprint(b)
}
