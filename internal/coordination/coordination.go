// Package coordination keeps the state workers share per pull request, in
// JetStream key-value buckets: a lease that serialises reviews of one pull
// request across workers (it expires with a holder that dies), and the
// review state that remembers what was last reviewed.
package coordination

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// The buckets of a fleet (named by package fleet): the lease bucket,
// <fleet>-leases, holds one key per pull request under review — a worker
// holds it while it reviews, refreshing it, and it expires with its holder
// if the holder dies; the state bucket, <fleet>-review-state, remembers per
// pull request what was last reviewed.

// ErrLeaseHeld is returned by Acquire when another worker holds the lease.
var ErrLeaseHeld = errors.New("the pull request is being reviewed by another worker")

// ErrLeaseLost is returned by Refresh when the lease expired and was taken
// by another worker: the holder must stop writing.
var ErrLeaseLost = errors.New("the lease on the pull request was lost")

// Store keeps per-pull-request leases and review state in JetStream
// key-value buckets, shared by every worker. Safe for concurrent use.
type Store struct {
	leases jetstream.KeyValue
	state  jetstream.KeyValue
	owner  string
}

// Config configures the buckets.
type Config struct {
	// LeaseTTL is how long a lease outlives its last refresh. Default
	// [DefaultLeaseTTL].
	LeaseTTL time.Duration
	// Owner names this worker in lease values (for operators). Default "worker".
	Owner string
}

// DefaultLeaseTTL is [Config.LeaseTTL]'s default: the review stream's
// default ack wait, so a killed worker's pull requests are unlocked by the
// time its messages are redelivered.
const DefaultLeaseTTL = streams.DefaultAckWait

// LeaseBucket is the lease bucket as stream (the fleet, storage and
// replicas) and cfg (its TTL) describe it.
func LeaseBucket(stream streams.Config, cfg Config) jetstream.KeyValueConfig {
	stream = stream.WithDefaults()
	return jetstream.KeyValueConfig{
		Bucket:      stream.Fleet.LeaseBucket(),
		Description: "pull requests under review, one lease each",
		TTL:         cmp.Or(cfg.LeaseTTL, DefaultLeaseTTL),
		History:     1,
		Storage:     stream.Storage(),
		Replicas:    stream.Replicas,
	}
}

// StateBucket is the review-state bucket as stream describes it.
func StateBucket(stream streams.Config) jetstream.KeyValueConfig {
	stream = stream.WithDefaults()
	return jetstream.KeyValueConfig{
		Bucket:      stream.Fleet.StateBucket(),
		Description: "per pull request: the iterations already reviewed",
		History:     1,
		Storage:     stream.Storage(),
		Replicas:    stream.Replicas,
	}
}

// Ensure creates or updates the buckets ([LeaseBucket], [StateBucket]).
// Only provisioning and tests call it; workers [Open] the buckets.
func Ensure(ctx context.Context, js jetstream.JetStream, stream streams.Config, cfg Config) (*Store, error) {
	var kvs [2]jetstream.KeyValue
	for i, want := range []jetstream.KeyValueConfig{LeaseBucket(stream, cfg), StateBucket(stream)} {
		kv, err := js.CreateOrUpdateKeyValue(ctx, want)
		if err != nil {
			return nil, fmt.Errorf("create or update bucket %s: %w", want.Bucket, err)
		}
		kvs[i] = kv
	}
	return &Store{leases: kvs[0], state: kvs[1], owner: cmp.Or(cfg.Owner, "worker")}, nil
}

// Open opens the fleet's existing buckets, changing nothing; a missing
// bucket fails with jetstream.ErrBucketNotFound.
func Open(ctx context.Context, js jetstream.JetStream, stream streams.Config, cfg Config) (*Store, error) {
	var kvs [2]jetstream.KeyValue
	for i, bucket := range []string{stream.Fleet.LeaseBucket(), stream.Fleet.StateBucket()} {
		kv, err := js.KeyValue(ctx, bucket)
		if err != nil {
			return nil, fmt.Errorf("open bucket %s: %w", bucket, err)
		}
		kvs[i] = kv
	}
	return &Store{leases: kvs[0], state: kvs[1], owner: cmp.Or(cfg.Owner, "worker")}, nil
}

// Lease is a held lease on one pull request. It is safe for concurrent use.
type Lease struct {
	mu    sync.Mutex
	kv    jetstream.KeyValue
	key   string
	value []byte
	rev   uint64
}

// Acquire takes the lease for key, or returns ErrLeaseHeld.
func (c *Store) Acquire(ctx context.Context, key string) (*Lease, error) {
	value := []byte(c.owner)
	ctx, cancel := callContext(ctx)
	defer cancel()
	rev, err := c.leases.Create(ctx, key, value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return nil, ErrLeaseHeld
	}
	if err != nil {
		return nil, fmt.Errorf("acquire lease %s: %w", key, keyError(err))
	}
	return &Lease{kv: c.leases, key: key, value: value, rev: rev}, nil
}

// Refresh extends the lease. ErrLeaseLost means it expired and someone
// else took it.
func (l *Lease) Refresh(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := callContext(ctx)
	defer cancel()
	rev, err := l.kv.Update(ctx, l.key, l.value, l.rev)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("%w: %w", ErrLeaseLost, err)
		}
		return fmt.Errorf("refresh lease %s: %w", l.key, err)
	}
	l.rev = rev
	return nil
}

// Release gives the lease up, unless it was already lost.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, cancel := callContext(ctx)
	defer cancel()
	err := l.kv.Delete(ctx, l.key, jetstream.LastRevision(l.rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("release lease %s: %w", l.key, err)
	}
	return nil
}

// LoadState returns the stored state of key; found is false when none.
func (c *Store) LoadState(ctx context.Context, key string) (data []byte, found bool, err error) {
	ctx, cancel := callContext(ctx)
	defer cancel()
	e, err := c.state.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("load review state %s: %w", key, keyError(err))
	}
	return e.Value(), true, nil
}

// SaveState stores the state of key.
func (c *Store) SaveState(ctx context.Context, key string, data []byte) error {
	ctx, cancel := callContext(ctx)
	defer cancel()
	if _, err := c.state.Put(ctx, key, data); err != nil {
		return fmt.Errorf("save review state %s: %w", key, keyError(err))
	}
	return nil
}

// keyError makes a key the bucket refuses for its shape a permanent,
// classified failure: retrying cannot change the key. Ingest validates ids
// so that this does not happen; a request from elsewhere may still carry one.
func keyError(err error) error {
	if errors.Is(err, jetstream.ErrInvalidKey) {
		return events.Permanent(&events.InvalidRequestError{Field: "repository_id", Reason: "not usable in a key-value key", Err: err})
	}
	return err
}

// Key is the coordination key of a pull request: its repository id lower
// case, as in its subject.
func Key(repositoryID string, pullRequestID int) string {
	return fmt.Sprintf("pr.%s.%d", strings.ToLower(repositoryID), pullRequestID)
}

// CallTimeout bounds one key-value call. The caller's context is a
// review's, which may have minutes left; nats.go adds its own timeout only
// to a context without a deadline, so without this a call sent while the
// bucket's leader is being elected could wait for the whole review, its
// message kept alive by heartbeats.
const CallTimeout = 5 * time.Second

// callContext is ctx bounded by [CallTimeout].
func callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, CallTimeout)
}
