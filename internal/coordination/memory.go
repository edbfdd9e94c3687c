package coordination

// The memory bucket, <fleet>-memory (named by package fleet), keeps what a
// fleet of workers learns and counts beyond one review:
//
//   - per repository, the findings people marked won't fix or by design
//     ([Suppression]), which later reviews of the repository do not post
//     again, at most [MaxSuppressions] per repository, the oldest dropped
//     first;
//   - per pull request, the use of the commands that ask the model
//     ([Usage]): the times of the recent ones, for a rate limit the whole
//     fleet shares, and the tokens they spent;
//   - per organisation, the model requests of its reviews and commands
//     ([Budget]) in the last window, for a budget the whole fleet
//     shares ([Memory.Reserve]).
//
// Every update is a compare-and-set on the key's revision, retried a few
// times, so concurrent workers never lose each other's writes. A [Memory]
// is safe for concurrent use.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/streams"
)

// maxAttempts bounds the compare-and-set retries of one update; between
// attempts it waits a random pause of up to 2 ms times the attempt.
const maxAttempts = 20

// maxValueBytes bounds a value read back: a value larger than this is
// treated as unreadable (the bucket's MaxValueSize keeps writes under it).
const maxValueBytes = 256 << 10

// valueMargin is the room an update leaves under maxValueBytes.
const valueMargin = 4 << 10

// ErrContended is returned when an update lost its compare-and-set every
// time: other workers kept changing the key.
var ErrContended = errors.New("coordination: the memory key kept changing under concurrent updates")

// MemoryBucket is the memory bucket as stream (the fleet, storage and replicas)
// describes it.
func MemoryBucket(stream streams.Config) jetstream.KeyValueConfig {
	stream = stream.WithDefaults()
	return jetstream.KeyValueConfig{
		Bucket:       stream.Fleet.MemoryBucket(),
		Description:  "per repository: findings marked won't fix; per pull request: model command use; per organisation: model requests",
		History:      1,
		MaxValueSize: maxValueBytes,
		Storage:      stream.Storage(),
		Replicas:     stream.Replicas,
	}
}

// Memory reads and updates the memory bucket.
type Memory struct {
	kv jetstream.KeyValue
}

// EnsureMemory creates or updates the memory bucket. Only provisioning and
// tests call it; workers [OpenMemory] it.
func EnsureMemory(ctx context.Context, js jetstream.JetStream, stream streams.Config) (*Memory, error) {
	want := MemoryBucket(stream)
	kv, err := js.CreateOrUpdateKeyValue(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("create or update bucket %s: %w", want.Bucket, err)
	}
	return &Memory{kv: kv}, nil
}

// OpenMemory opens the fleet's existing memory bucket; a missing bucket
// fails with jetstream.ErrBucketNotFound.
func OpenMemory(ctx context.Context, js jetstream.JetStream, stream streams.Config) (*Memory, error) {
	name := stream.Fleet.MemoryBucket()
	kv, err := js.KeyValue(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", name, err)
	}
	return &Memory{kv: kv}, nil
}

// update reads key into a new T (its zero value when absent), lets change
// modify it, and writes it back if change returns true, retrying on a
// concurrent change. It returns the value as written (or as read when
// change returned false).
func update[T any](ctx context.Context, kv jetstream.KeyValue, key string, change func(*T) (bool, error)) (T, error) {
	var zero T
	for attempt := range maxAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return zero, ctx.Err()
			case <-time.After(time.Duration(rand.Int64N(int64(2*time.Millisecond) * int64(attempt)))):
			}
		}
		var v T
		rev, err := get(ctx, kv, key, &v)
		if err != nil {
			return zero, err
		}
		write, err := change(&v)
		if err != nil || !write {
			return v, err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return zero, err
		}
		cctx, cancel := context.WithTimeout(ctx, CallTimeout)
		if rev == 0 {
			_, err = kv.Create(cctx, key, data)
		} else {
			_, err = kv.Update(cctx, key, data, rev)
		}
		cancel()
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch):
			continue
		default:
			return zero, fmt.Errorf("write memory %s: %w", key, err)
		}
	}
	return zero, fmt.Errorf("%w: %s", ErrContended, key)
}

// get reads key into v and returns its revision (0: absent, or a value
// this version cannot read, which is then replaced).
func get(ctx context.Context, kv jetstream.KeyValue, key string, v any) (uint64, error) {
	cctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	e, err := kv.Get(cctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read memory %s: %w", key, err)
	}
	if len(e.Value()) > maxValueBytes || json.Unmarshal(e.Value(), v) != nil {
		// Unreadable: start over, but keep the revision so the write is
		// still a compare-and-set.
		return e.Revision(), nil
	}
	return e.Revision(), nil
}

// token makes an id usable in a key: lower case, and only the characters
// a key allows.
func token(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}
