package coordination

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A review marks a pull request's state (ReviewState.Posting) before its
// first write to the pull request, and nothing here deletes a state. So a
// pull request without a state was never written to by a review of the
// fleet — as long as the bucket kept every state saved since the pull
// request was created. The state bucket's epoch says since when it has: an
// entry under epochKey, created once and never updated, whose time (the
// NATS server's clock) a worker compares with the pull request's
// creationDate (Azure DevOps's clock).
//
// The entry, not the bucket's creation time, because the entry goes with
// every way states are lost but a key deleted by hand: a bucket deleted
// and created again, or its stream purged, has no entry (the next reader
// writes one, at its own time); and as the bucket's oldest entry but for
// the states written before it (of pull requests created before it), it is
// the first to go if limits are ever put on the bucket (its age, bytes or
// entries). It is also written by this code, whose reviews all mark before
// they write, where the bucket may have been created by code that did not.

// epochKey is the key of the state bucket's epoch.
const epochKey = "epoch"

// epochValue is what the epoch entry holds, for an operator reading it.
const epochValue = "the review states saved since this entry's time are all kept: a pull request created later that has none was never written to by a review"

// ErrEpochUntrusted is returned (wrapped) by [Store.StateEpoch] for a
// state bucket that mirrors or sources another: its states arrive from
// elsewhere, some time after they were saved, so a state missing there
// may only be late.
var ErrEpochUntrusted = errors.New("the state bucket's epoch is not trusted")

// ErrStateExists is returned (wrapped) by [Store.CreateReview] when a state
// is stored under the key.
var ErrStateExists = errors.New("a review state is already stored")

// StateEpoch returns the state bucket's epoch: the time, by the NATS
// server's clock, since which the bucket has kept every review state saved
// (see above) — the entry's time, or the bucket's stream's creation time
// if that is later: a bucket restored from a backup has the entry of the
// backup, with its time, but not the states saved since, and a restore
// creates the stream anew. A bucket that mirrors or sources another has
// no epoch ([ErrEpochUntrusted]). A bucket without an entry gets one now. It
// reads JetStream each time (two calls, two more to write the entry): a
// worker keeps nothing, so a bucket deleted and created again, purged or
// restored under a running worker is seen at its next call.
func (c *Store) StateEpoch(ctx context.Context) (time.Time, error) {
	ctx, cancel := callContext(ctx)
	defer cancel()
	for range 2 {
		e, err := c.state.Get(ctx, epochKey)
		if err == nil {
			return c.laterOfCreated(ctx, e.Created().UTC())
		}
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return time.Time{}, fmt.Errorf("read the state bucket's epoch: %w", err)
		}
		// Another worker may write it first; either entry will do.
		if _, err := c.state.Create(ctx, epochKey, []byte(epochValue)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return time.Time{}, fmt.Errorf("write the state bucket's epoch: %w", err)
		}
	}
	return time.Time{}, errors.New("read the state bucket's epoch: written, then gone")
}

// CreateReview stores st under key, without its thread index (Findings,
// Indexed), only if no state is stored there: for the mark a review that
// found no state writes before its first write to the pull request, so
// that of two reviews that both found none (one held a lease it lost) the
// second learns of the first. A state stored there fails it with
// [ErrStateExists].
func (c *Store) CreateReview(ctx context.Context, key string, st ReviewState) error {
	st.Findings, st.Indexed = nil, false
	st, err := st.bounded()
	if err != nil {
		return fmt.Errorf("encode review state %s: %w", key, err)
	}
	st.IndexRevision = 0
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode review state %s: %w", key, err)
	}
	ctx, cancel := callContext(ctx)
	defer cancel()
	if _, err := c.state.Create(ctx, key, data); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return fmt.Errorf("create review state %s: %w", key, ErrStateExists)
		}
		return fmt.Errorf("create review state %s: %w", key, keyError(err))
	}
	return nil
}

// laterOfCreated is the later of t and the creation time of the state
// bucket's stream.
func (c *Store) laterOfCreated(ctx context.Context, t time.Time) (time.Time, error) {
	st, err := c.state.Status(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the state bucket's status: %w", err)
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok || bs.StreamInfo() == nil {
		return time.Time{}, fmt.Errorf("read the state bucket's status: no stream information in a %T", st)
	}
	if cfg := bs.StreamInfo().Config; cfg.Mirror != nil || len(cfg.Sources) > 0 {
		return time.Time{}, fmt.Errorf("%w: bucket %s mirrors or sources another bucket", ErrEpochUntrusted, c.state.Bucket())
	}
	if created := bs.StreamInfo().Created.UTC(); created.After(t) {
		return created, nil
	}
	return t, nil
}
