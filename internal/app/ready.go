package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Readiness probing. A /readyz answer costs at most one JetStream request
// per [readyCacheFor], however many probes arrive: the answer is cached,
// and probes that arrive while one is asked wait for its answer. A lost
// quorum shows within readyCacheFor + readyProbeTimeout (3 s).
const (
	// readyCacheFor is how long a readiness answer is reused.
	readyCacheFor = time.Second
	// readyProbeTimeout bounds one JetStream request of a readiness probe;
	// a stream or consumer whose group has no leader answers nothing.
	readyProbeTimeout = 2 * time.Second
	// replicaStaleAfter is how long a group leader may not have heard from
	// a replica before the replica no longer counts towards its quorum.
	// Leaders send a heartbeat every second, so a live replica is heard
	// from at least every second; nats-server itself stops calling it
	// current only after 10 s.
	replicaStaleAfter = 3 * time.Second
)

// StreamReady is the ingest process's /readyz check: the stream answers
// (its INFO request is answered only by its group's leader, or by a member
// that knows the group has none), it has a leader, and that leader has
// heard from a quorum of its replicas within the last 3 s: what
// acknowledging a publish takes. Without a quorum the leader stays leader
// for 10 s, but cannot store anything. Answers are cached for 1 s.
func StreamReady(js jetstream.JetStream, stream string) ReadyFunc {
	return cachedReady(func(ctx context.Context) error {
		st, err := js.Stream(ctx, stream)
		if err != nil {
			return fmt.Errorf("stream %s: %w", stream, unanswered(err))
		}
		if err := quorum(st.CachedInfo().Cluster); err != nil {
			return fmt.Errorf("stream %s: %w", stream, err)
		}
		return nil
	})
}

// ErrNoQuorum means a stream's or consumer's group cannot store anything:
// it has no leader, or its leader has not heard from enough replicas.
var ErrNoQuorum = errors.New("no quorum")

// quorum checks a group's cluster information, as its leader reports it:
// a leader, and a majority of the group (the leader included) heard from
// within [replicaStaleAfter]. Nil (a server without clustering) has it.
func quorum(ci *jetstream.ClusterInfo) error {
	if ci == nil {
		return nil
	}
	if ci.Leader == "" {
		return fmt.Errorf("%w: the group has no leader", ErrNoQuorum)
	}
	size, live := len(ci.Replicas)+1, 1
	var gone []string
	for _, r := range ci.Replicas {
		// A replica the leader has not heard from since it leads has
		// Active 0: it does not count.
		if !r.Offline && r.Active > 0 && r.Active <= replicaStaleAfter {
			live++
		} else {
			gone = append(gone, r.Name)
		}
	}
	if live <= size/2 {
		return fmt.Errorf("%w: leader %s hears from %d of %d replicas (not %v)", ErrNoQuorum, ci.Leader, live, size, gone)
	}
	return nil
}

// unanswered says what a probe that timed out means.
func unanswered(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer in %s (no leader?): %w", readyProbeTimeout, err)
	}
	return err
}

// cachedReady runs check at most once per [readyCacheFor], bounded by
// [readyProbeTimeout], and gives every caller the last answer. A caller
// whose context ends while a probe runs gets its context's error; the
// probe goes on for the callers that wait.
func cachedReady(check ReadyFunc) ReadyFunc {
	c := &readyCache{check: check}
	return c.ready
}

type readyCache struct {
	check ReadyFunc

	mu      sync.Mutex
	at      time.Time
	err     error
	probing chan struct{} // closed when the running probe ends; nil: none
}

func (c *readyCache) ready(ctx context.Context) error {
	c.mu.Lock()
	if !c.at.IsZero() && time.Since(c.at) < readyCacheFor {
		err := c.err
		c.mu.Unlock()
		return err
	}
	done := c.probing
	if done == nil {
		// This caller probes; later ones wait for it.
		done = make(chan struct{})
		c.probing = done
		c.mu.Unlock()
		probeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readyProbeTimeout)
		err := c.check(probeCtx)
		cancel()
		c.mu.Lock()
		c.at, c.err, c.probing = time.Now(), err, nil
		c.mu.Unlock()
		close(done)
		return err
	}
	c.mu.Unlock()
	select {
	case <-done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ErrNotConsuming is the worker's /readyz answer before it consumes and
// once it is stopping.
var ErrNotConsuming = errors.New("not consuming")

// WorkerReady is a worker's readiness: whether its consume loop runs and
// its consumer is reachable. The zero value is a worker not consuming yet.
// Safe for concurrent use.
type WorkerReady struct {
	// state is nil before consuming, then the consumer's check, then
	// stopped once stopping.
	state atomic.Pointer[workerState]
}

type workerState struct {
	stopping bool
	check    ReadyFunc
}

// consuming records that the consume loop runs on cons.
func (r *WorkerReady) consuming(cons jetstream.Consumer) {
	if r == nil {
		return
	}
	r.state.Store(&workerState{check: cachedReady(func(ctx context.Context) error {
		info, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("consumer: %w", unanswered(err))
		}
		if err := quorum(info.Cluster); err != nil {
			return fmt.Errorf("consumer %s: %w", info.Name, err)
		}
		return nil
	})})
}

// stopping records that the consume loop takes no new messages.
func (r *WorkerReady) stopping() {
	if r != nil {
		r.state.Store(&workerState{stopping: true})
	}
}

// Ready is the worker's /readyz check: the consume loop runs, and its
// consumer answers from a leader with a quorum (see [StreamReady]);
// answers cached for 1 s.
func (r *WorkerReady) Ready(ctx context.Context) error {
	s := r.state.Load()
	switch {
	case s == nil:
		return fmt.Errorf("%w yet: starting", ErrNotConsuming)
	case s.stopping:
		return fmt.Errorf("%w: stopping", ErrNotConsuming)
	}
	return s.check(ctx)
}
