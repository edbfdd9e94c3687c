package azdo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Clock is the time source of a Client's waits: retry backoff, Retry-After
// pauses and the rate limit. Tests replace it to run without waiting; the
// per-attempt Timeout always runs on the wall clock.
type Clock interface {
	Now() time.Time
	// Sleep returns after d, or with ctx's error as soon as ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limiter paces one Client's requests to its organisation. Azure DevOps
// limits an identity, not a call, so one limiter is shared by every call of
// the Client: it bounds requests in flight and requests per second, and a
// Retry-After from the service pauses all of them until then.
type limiter struct {
	clock Clock
	slots chan struct{} // a token per request in flight; nil: unlimited
	rate  *rate.Limiter // nil: unlimited
	// budget is the identity-wide budget spent after the per-process
	// limits (nil: none).
	budget Budget

	mu        sync.Mutex
	notBefore time.Time // no request is sent before this (Retry-After)

	requests    atomic.Int64
	retries     atomic.Int64
	waited      atomic.Int64 // ns
	pausedTotal atomic.Int64 // ns
}

// Defaults of the limiter, see Config.
const (
	defaultMaxConcurrent     = 8
	defaultRequestsPerSecond = 20
)

func newLimiter(cfg Config, clock Clock) *limiter {
	l := &limiter{clock: clock, budget: cfg.Budget}
	switch n := cfg.MaxConcurrent; {
	case n == 0:
		l.slots = make(chan struct{}, defaultMaxConcurrent)
	case n > 0:
		l.slots = make(chan struct{}, n)
	}
	rps := cfg.RequestsPerSecond
	if rps == 0 {
		rps = defaultRequestsPerSecond
	}
	if rps > 0 {
		burst := cfg.Burst
		if burst <= 0 {
			burst = max(1, int(math.Ceil(2*rps)))
		}
		l.rate = rate.NewLimiter(rate.Limit(rps), burst)
	}
	return l
}

// acquire waits until a request may be sent: no Retry-After pause pending,
// a free slot, a token of the rate limit, and cost spent from the budget.
// It returns how long that took (budgetWait of it in the budget) and the
// function that frees the slot. It never waits past ctx's
// deadline: when the wait would end after it, it fails at once (a pause
// with a KindRateLimited *Error that keeps the remaining Retry-After).
func (l *limiter) acquire(ctx context.Context, op string, cost float64) (waited, budgetWait time.Duration, release func(), err error) {
	start := l.clock.Now()
	deadline, _ := ctx.Deadline()
	if err := l.waitPause(ctx, deadline, op); err != nil {
		return 0, 0, nil, err
	}
	release = func() {}
	if l.slots != nil {
		select {
		case l.slots <- struct{}{}:
		default:
			select {
			case l.slots <- struct{}{}:
			case <-ctx.Done():
				return 0, 0, nil, fmt.Errorf("waiting for a free Azure DevOps connection slot: %w", context.Cause(ctx))
			}
		}
		var once sync.Once
		release = func() { once.Do(func() { <-l.slots }) }
	}
	if err := l.waitRate(ctx, deadline, op); err != nil {
		release()
		return 0, 0, nil, err
	}
	if l.budget != nil {
		budgetWait, err = l.budget.Spend(ctx, cost)
		if err != nil {
			release()
			var e *Error
			if errors.As(err, &e) && e.Op == "" {
				e.Op = op
			}
			return 0, 0, nil, err
		}
	}
	// A Retry-After may have arrived while this request queued.
	if err := l.waitPause(ctx, deadline, op); err != nil {
		release()
		return 0, 0, nil, err
	}
	waited = max(l.clock.Now().Sub(start), 0)
	l.waited.Add(int64(waited))
	l.requests.Add(1)
	return waited, budgetWait, release, nil
}

func (l *limiter) waitPause(ctx context.Context, deadline time.Time, op string) error {
	for {
		l.mu.Lock()
		until := l.notBefore
		l.mu.Unlock()
		now := l.clock.Now()
		d := until.Sub(now)
		if d <= 0 {
			return nil
		}
		if !deadline.IsZero() && until.After(deadline) {
			return &Error{
				Kind:       KindRateLimited,
				Op:         op,
				RetryAfter: d,
				Message:    fmt.Sprintf("Azure DevOps asked this client to pause for another %s (Retry-After); the call's deadline is sooner", d.Round(time.Millisecond)),
			}
		}
		if err := l.clock.Sleep(ctx, d); err != nil {
			return fmt.Errorf("waiting out Azure DevOps' Retry-After: %w", err)
		}
	}
}

func (l *limiter) waitRate(ctx context.Context, deadline time.Time, op string) error {
	if l.rate == nil {
		return nil
	}
	now := l.clock.Now()
	r := l.rate.ReserveN(now, 1) // OK: burst >= 1
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if !deadline.IsZero() && now.Add(d).After(deadline) {
		r.CancelAt(now)
		return &Error{
			Kind:    KindTransient,
			Op:      op,
			Message: fmt.Sprintf("the call's deadline is sooner than the client's rate limit (%g requests/s) lets it through", float64(l.rate.Limit())),
		}
	}
	if err := l.clock.Sleep(ctx, d); err != nil {
		r.CancelAt(l.clock.Now())
		return fmt.Errorf("waiting for the Azure DevOps client's rate limit: %w", err)
	}
	return nil
}

// pauseFor makes every request of the Client wait d from now, as a
// Retry-After of d asks. A shorter pause never cuts a longer one short.
func (l *limiter) pauseFor(d time.Duration) {
	if d <= 0 {
		return
	}
	now := l.clock.Now()
	until := now.Add(d)
	l.mu.Lock()
	defer l.mu.Unlock()
	if !until.After(l.notBefore) {
		return
	}
	from := l.notBefore
	if from.Before(now) {
		from = now
	}
	l.pausedTotal.Add(int64(until.Sub(from)))
	l.notBefore = until
}

// Stats are running totals of a Client's requests, for metrics.
type Stats struct {
	// Requests counts HTTP requests sent, resends included.
	Requests int64
	// Retries counts resends.
	Retries int64
	// LimiterWait is the total time requests waited in the Client's
	// limiter (Retry-After pauses, free slots, rate limit) before being
	// sent. Retry backoff is not included.
	LimiterWait time.Duration
	// Paused is the total time Retry-After answers paused the Client.
	Paused time.Duration
}

func (l *limiter) stats() Stats {
	return Stats{
		Requests:    l.requests.Load(),
		Retries:     l.retries.Load(),
		LimiterWait: time.Duration(l.waited.Load()),
		Paused:      time.Duration(l.pausedTotal.Load()),
	}
}
