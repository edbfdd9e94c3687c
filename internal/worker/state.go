package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/azreviewer/azreviewer/internal/coordination"
)

// Coordinator serializes reviews of one pull request across workers and
// remembers what was reviewed. *coordination.Store implements it.
type Coordinator interface {
	// Acquire takes the pull request's lease or returns coordination.ErrLeaseHeld.
	Acquire(ctx context.Context, key string) (*coordination.Lease, error)
	LoadState(ctx context.Context, key string) ([]byte, bool, error)
	SaveState(ctx context.Context, key string, data []byte) error
}

// reviewState is what the worker remembers of a pull request between
// reviews.
type reviewState struct {
	// Iteration is the newest iteration reviewed, SourceCommit its commit.
	Iteration    int    `json:"iteration"`
	SourceCommit string `json:"source_commit"`
	// Covered lists the source commits of every iteration up to Iteration
	// (the newest maxCovered), so an event for an older push is recognised
	// as superseded without calling Azure DevOps.
	Covered []string `json:"covered"`
	// IgnoredRules were silenced on this pull request with /azreviewer ignore.
	IgnoredRules []string  `json:"ignored_rules,omitempty"`
	ReviewedAt   time.Time `json:"reviewed_at"`
}

const maxCovered = 200

func (s reviewState) covers(commit string) bool {
	return commit != "" && slices.Contains(s.Covered, commit)
}

func (w *Worker) loadState(ctx context.Context, key string) (reviewState, error) {
	var st reviewState
	if w.cfg.Coordinator == nil {
		return st, nil
	}
	data, found, err := w.cfg.Coordinator.LoadState(ctx, key)
	if err != nil || !found {
		return st, err
	}
	if err := json.Unmarshal(data, &st); err != nil {
		// A state this worker cannot read is treated as none: the review is
		// done in full, which is safe (threads are deduplicated).
		w.cfg.Logger.WarnContext(ctx, "unreadable review state ignored", "key", key, "error", err)
		return reviewState{}, nil
	}
	return st, nil
}

func (w *Worker) saveState(ctx context.Context, key string, st reviewState) error {
	if w.cfg.Coordinator == nil {
		return nil
	}
	if len(st.Covered) > maxCovered {
		st.Covered = st.Covered[len(st.Covered)-maxCovered:]
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return w.cfg.Coordinator.SaveState(ctx, key, data)
}

// errLeaseBusy is returned when the lease stayed held for LeaseWait; the
// message is redelivered later.
var errLeaseBusy = errors.New("another worker kept the pull request's lease")

// acquire waits for the pull request's lease, polling with a growing
// pause, for at most LeaseWait. The consume loop keeps the message alive
// meanwhile. It returns a release function and a context cancelled if the
// lease is lost.
func (w *Worker) acquire(ctx context.Context, key string) (context.Context, func(), error) {
	if w.cfg.Coordinator == nil {
		return ctx, func() {}, nil
	}
	deadline := time.Now().Add(w.cfg.LeaseWait)
	pause := 100 * time.Millisecond
	for {
		lease, err := w.cfg.Coordinator.Acquire(ctx, key)
		if err == nil {
			return w.keep(ctx, key, lease)
		}
		if !errors.Is(err, coordination.ErrLeaseHeld) {
			return ctx, nil, err
		}
		if time.Now().After(deadline) {
			// The consume loop's growing backoff applies.
			return ctx, nil, errLeaseBusy
		}
		select {
		case <-ctx.Done():
			return ctx, nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, 2*time.Second)
	}
}

// keep refreshes the lease until released; if it is lost, the returned
// context is cancelled so the review stops writing.
func (w *Worker) keep(ctx context.Context, key string, lease *coordination.Lease) (context.Context, func(), error) {
	ctx, cancel := context.WithCancelCause(ctx)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(w.cfg.LeaseRefresh)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := lease.Refresh(ctx); err != nil {
					if errors.Is(err, coordination.ErrLeaseLost) {
						cancel(fmt.Errorf("stopped reviewing: %w", err))
						return
					}
					w.cfg.Logger.WarnContext(ctx, "lease refresh failed", "key", key, "error", err)
				}
			}
		}
	}()
	release := func() {
		close(done)
		<-stopped
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := lease.Release(rctx); err != nil {
			w.cfg.Logger.WarnContext(ctx, "lease release failed; it expires by itself", "key", key, "error", err)
		}
		cancel(nil)
	}
	return ctx, release, nil
}
