package budget

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Defaults, see Config.
const (
	DefaultWindow       = 5 * time.Minute
	DefaultFallback     = 0.05
	DefaultKVTimeout    = 2 * time.Second
	DefaultKVRetry      = time.Second
	DefaultMinScale     = 0.1
	DefaultLowRemaining = 0.02
)

// Config is one identity's budget in one organisation.
type Config struct {
	// KV is the bucket of budgets (see Bucket); nil: attached later
	// (Attach), spending from the fallback share until then.
	KV jetstream.KeyValue
	// Org and Identity name the budget (Identity is Client.Identity,
	// never a secret); both are hashed into the key. Required.
	Org, Identity string
	// Limit is how many units (azdo.CallCost) the identity may spend in
	// any sliding Window, across every process. Required (> 0).
	Limit float64
	// Window is the sliding window. Default 5 minutes.
	Window time.Duration
	// Slice is how many units one lease grants. Default Limit/200, at
	// least 1.
	Slice float64
	// SliceTTL is how long a slice may be spent after its grant. Default
	// Window/40.
	SliceTTL time.Duration
	// Fallback is the share of Limit per Window a process spends while it
	// cannot lease (NATS slow or unreachable). Default 0.05.
	Fallback float64
	// KVTimeout bounds one lease's KV calls; KVRetry is how long a
	// process that failed to lease spends from its fallback before it
	// tries again. Defaults 2 s and 1 s.
	KVTimeout, KVRetry time.Duration
	// MinScale is the lowest the adapted scale goes; LowRemaining the
	// X-RateLimit-Remaining, as a share of X-RateLimit-Limit, below which
	// it goes down. Defaults 0.1 and 0.02.
	MinScale, LowRemaining float64
	// Metrics, if set, records the budget (see NewMetrics).
	Metrics *Metrics
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// record is the key's value: the fleet-wide state of one budget.
type record struct {
	// Grants are the slices granted in the last Window+SliceTTL, oldest
	// first.
	Grants []grant `json:"grants"`
	// PauseUntil is the fleet-wide pause a Retry-After asked for. It is
	// believed for at most azdo.MaxRetryAfter from when it is read (see
	// bound): an older release wrote whatever Retry-After said, and a
	// process's clock may be behind the writer's.
	PauseUntil time.Time `json:"pause_until,omitzero"`
	// Scale is the share of Limit granted (adapted to Azure's headers);
	// 0 reads as 1.
	Scale float64 `json:"scale,omitempty"`
	// ThrottledAt is when Azure last delayed, blocked or warned.
	ThrottledAt time.Time `json:"throttled_at,omitzero"`
}

type grant struct {
	At    time.Time `json:"at"`
	Units float64   `json:"units"`
}

func (r *record) scale() float64 {
	if r.Scale <= 0 || r.Scale > 1 {
		return 1
	}
	return r.Scale
}

// Budget is one identity's budget as one process spends it. It
// implements azdo.Budget. Start it with Start; Close ends its watch.
type Budget struct {
	cfg Config
	key string
	log *slog.Logger
	met *Metrics

	leaseMu sync.Mutex // one lease at a time

	mu           sync.Mutex
	remaining    float64   // of the current slice
	expires      time.Time // of the current slice
	debt         float64   // extra cost charged beyond the slice
	pauseUntil   time.Time
	degraded     time.Time // until then, spend from the fallback
	scale        float64   // last seen
	fallback     *rate.Limiter
	adapting     atomic.Bool
	lastAdaptReq time.Time

	kv        atomic.Pointer[kvRef]
	startOnce sync.Once
	stop      context.CancelFunc // under mu
	closed    bool               // under mu
	wg        sync.WaitGroup
}

type kvRef struct{ jetstream.KeyValue }

// errDetached is a lease's failure before Attach.
var errDetached = errors.New("budget: no key-value bucket attached yet")

var _ azdo.Budget = (*Budget)(nil)

// Key is the KV key of org's and identity's budget: a hash, so it holds
// no character the key cannot and nothing the identity's name does not.
func Key(org, identity string) string {
	h := sha256.Sum256([]byte(org + "\x00" + identity))
	return "id." + hex.EncodeToString(h[:12])
}

// New returns the budget of cfg; it makes no network call.
func New(cfg Config) (*Budget, error) {
	switch {
	case cfg.Org == "" || cfg.Identity == "":
		return nil, errors.New("budget: organisation and identity are required")
	case !(cfg.Limit > 0) || math.IsInf(cfg.Limit, 0):
		return nil, fmt.Errorf("budget: limit %g is not a positive number of units per window", cfg.Limit)
	}
	cfg.Window = cmp.Or(cfg.Window, DefaultWindow)
	if cfg.Slice <= 0 {
		cfg.Slice = max(1, cfg.Limit/200)
	}
	cfg.Slice = min(cfg.Slice, cfg.Limit)
	cfg.SliceTTL = cmp.Or(cfg.SliceTTL, cfg.Window/40)
	if cfg.Fallback <= 0 || cfg.Fallback > 1 {
		cfg.Fallback = DefaultFallback
	}
	cfg.KVTimeout = cmp.Or(cfg.KVTimeout, DefaultKVTimeout)
	cfg.KVRetry = cmp.Or(cfg.KVRetry, DefaultKVRetry)
	if cfg.MinScale <= 0 || cfg.MinScale > 1 {
		cfg.MinScale = DefaultMinScale
	}
	if cfg.LowRemaining <= 0 || cfg.LowRemaining >= 1 {
		cfg.LowRemaining = DefaultLowRemaining
	}
	b := &Budget{
		cfg: cfg, key: Key(cfg.Org, cfg.Identity), log: cmp.Or(cfg.Logger, slog.Default()).With("org", cfg.Org),
		met: cfg.Metrics.forOrg(cfg.Org), scale: 1,
		fallback: rate.NewLimiter(rate.Limit(cfg.Fallback*cfg.Limit/cfg.Window.Seconds()), int(math.Ceil(azdo.WriteCost))),
	}
	b.met.setSize(cfg.Limit)
	if cfg.KV != nil {
		b.Attach(cfg.KV)
	}
	return b, nil
}

// Attach sets the bucket of budgets, for a budget made before NATS was
// connected.
func (b *Budget) Attach(kv jetstream.KeyValue) { b.kv.Store(&kvRef{kv}) }

func (b *Budget) bucket() (jetstream.KeyValue, error) {
	if r := b.kv.Load(); r != nil && r.KeyValue != nil {
		return r.KeyValue, nil
	}
	return nil, errDetached
}

// span is how long a grant counts against the limit: the window, the
// slice's lifetime, and as much again for the way from Spend to Azure.
func (b *Budget) span() time.Duration { return b.cfg.Window + 2*b.cfg.SliceTTL }

// Size is the budget as last adapted: Limit × the scale last seen.
func (b *Budget) Size() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cfg.Limit * b.scale
}

// PausedUntil is the end of the latest pause this process knows of (its
// own Retry-After or one another process wrote to the key).
func (b *Budget) PausedUntil() time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pauseUntil
}

// Start watches the key until ctx ends or Close, so that a pause
// another process wrote reaches this one before its next lease. It
// returns at once; a second call does nothing.
func (b *Budget) Start(ctx context.Context) {
	b.startOnce.Do(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.closed {
			return
		}
		ctx, b.stop = context.WithCancel(ctx)
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.watch(ctx)
		}()
	})
}

// Close stops the watch and waits for it and for pending adaptations.
// Safe to call more than once, and without Start.
func (b *Budget) Close() {
	b.mu.Lock()
	b.closed = true
	stop := b.stop
	b.mu.Unlock()
	if stop != nil {
		stop()
	}
	b.wg.Wait()
}

func (b *Budget) watch(ctx context.Context) {
	for ctx.Err() == nil {
		kv, err := b.bucket()
		var w jetstream.KeyWatcher
		if err == nil {
			// The key's current value first, then its updates: a pause
			// written before the watch was set up (at Start, or again after
			// a failure) is taken too, not only the later ones.
			w, err = kv.Watch(ctx, b.key)
		}
		if err == nil {
			for e := range w.Updates() {
				if e == nil || e.Operation() != jetstream.KeyValuePut {
					continue
				}
				var r record
				if json.Unmarshal(e.Value(), &r) == nil {
					b.bound(ctx, &r, time.Now())
					b.seen(&r)
				}
			}
			_ = w.Stop()
		}
		t := time.NewTimer(b.cfg.KVRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// bound shortens r's pause to azdo.MaxRetryAfter from now, and reports
// whether it did. A longer pause in the key was not written by this
// release (which never asks for more), or is read against a clock behind
// its writer's; believed as it stands it would stop the identity across
// the fleet, restarts included, for as long as it says.
func (b *Budget) bound(ctx context.Context, r *record, now time.Time) bool {
	limit := now.Add(azdo.MaxRetryAfter)
	if !r.PauseUntil.After(limit) {
		return false
	}
	b.log.WarnContext(ctx, "the identity's Azure DevOps budget holds a pause longer than any Retry-After is believed for; pausing for the cap only",
		"key", b.key, "pause_until", r.PauseUntil, "paused_for", r.PauseUntil.Sub(now).Round(time.Second).String(),
		"used_until", limit, "cap", azdo.MaxRetryAfter.String())
	r.PauseUntil = limit
	return true
}

// seen takes the fleet-wide pause and scale of r.
func (b *Budget) seen(r *record) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.PauseUntil.After(b.pauseUntil) {
		if r.PauseUntil.After(time.Now()) {
			b.met.paused()
		}
		b.pauseUntil = r.PauseUntil
	}
	b.scale = r.scale()
	b.met.scaled(b.cfg.Limit * b.scale)
}

// Spend waits until cost may be spent and spends it (azdo.Budget).
func (b *Budget) Spend(ctx context.Context, cost float64) (time.Duration, error) {
	start := time.Now()
	deadline, _ := ctx.Deadline()
	for {
		now := time.Now()
		b.mu.Lock()
		pause := b.pauseUntil.Sub(now)
		ok := pause <= 0 && now.Before(b.expires) && b.remaining >= cost
		if ok {
			b.remaining -= cost
		}
		degraded := now.Before(b.degraded)
		b.mu.Unlock()
		switch {
		case ok:
			return b.spent(start, cost), nil
		case pause > 0:
			if err := b.sleep(ctx, deadline, pause); err != nil {
				return 0, err
			}
			continue
		case degraded:
			if err := b.spendFallback(ctx, deadline, cost); err != nil {
				return 0, err
			}
			b.met.fellBack()
			return b.spent(start, cost), nil
		}
		wait, err := b.lease(ctx, cost)
		if err != nil {
			b.log.WarnContext(ctx, "cannot lease from the identity's Azure DevOps budget; spending a conservative local share", "err", err, "fallback_share", b.cfg.Fallback)
			b.mu.Lock()
			b.degraded = time.Now().Add(b.cfg.KVRetry)
			b.mu.Unlock()
			continue
		}
		if wait > 0 {
			if err := b.sleep(ctx, deadline, wait); err != nil {
				return 0, err
			}
		}
	}
}

func (b *Budget) spent(start time.Time, cost float64) time.Duration {
	d := time.Since(start)
	b.met.spend(cost, d)
	return d
}

// sleep waits d, or fails at once when ctx's deadline is sooner.
func (b *Budget) sleep(ctx context.Context, deadline time.Time, d time.Duration) error {
	if !deadline.IsZero() && time.Now().Add(d).After(deadline) {
		return &azdo.Error{Kind: azdo.KindRateLimited, RetryAfter: d,
			Message: fmt.Sprintf("the identity's Azure DevOps budget lets no request through for another %s; the call's deadline is sooner", d.Round(time.Millisecond))}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the identity's Azure DevOps budget: %w", context.Cause(ctx))
	}
}

func (b *Budget) spendFallback(ctx context.Context, deadline time.Time, cost float64) error {
	n := max(1, int(math.Ceil(cost)))
	now := time.Now()
	r := b.fallback.ReserveN(now, n)
	if !r.OK() {
		return fmt.Errorf("budget: cost %g exceeds the fallback's burst", cost)
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := b.sleep(ctx, deadline, d); err != nil {
		r.CancelAt(time.Now())
		return err
	}
	return nil
}

// lease takes a new slice for this process, or says how long to wait
// until one can be granted.
func (b *Budget) lease(ctx context.Context, cost float64) (time.Duration, error) {
	b.leaseMu.Lock()
	defer b.leaseMu.Unlock()
	b.mu.Lock()
	fresh := time.Now().Before(b.expires) && b.remaining >= cost
	b.mu.Unlock()
	if fresh { // another goroutine leased meanwhile
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.KVTimeout)
	defer cancel()
	for {
		r, rev, err := b.read(ctx)
		if err != nil {
			return 0, err
		}
		now := time.Now()
		if b.bound(ctx, &r, now) {
			// Mend the key, so that the pause ends for every process at
			// the cap from now rather than at the cap from each read.
			if err := b.write(ctx, &r, rev); err != nil {
				if isConflict(err) {
					continue
				}
				return 0, err
			}
		}
		b.seen(&r)
		if d := r.PauseUntil.Sub(now); d > 0 {
			return d, nil
		}
		r.prune(now, b.span())
		if r.scale() < 1 && now.Sub(r.ThrottledAt) > b.cfg.Window/4 {
			r.Scale = min(1, r.scale()+0.1)
		}
		b.mu.Lock()
		debt := b.debt
		b.mu.Unlock()
		want := max(b.cfg.Slice, cost) + debt
		// One call always fits an empty window, however far the scale
		// went down.
		capacity := max(b.cfg.Limit*r.scale(), want)
		if wait, ok := r.room(now, want, capacity, b.span()); !ok {
			b.met.waitedForRoom()
			return max(wait, time.Millisecond), nil
		}
		r.Grants = append(r.Grants, grant{At: now, Units: want})
		if err := b.write(ctx, &r, rev); err != nil {
			if isConflict(err) {
				continue
			}
			return 0, err
		}
		b.mu.Lock()
		b.remaining, b.expires, b.debt = want-debt, now.Add(b.cfg.SliceTTL), b.debt-debt
		b.degraded = time.Time{}
		b.mu.Unlock()
		b.met.lease(want)
		return 0, nil
	}
}

func (b *Budget) read(ctx context.Context) (record, uint64, error) {
	var r record
	kv, err := b.bucket()
	if err != nil {
		return r, 0, err
	}
	e, err := kv.Get(ctx, b.key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return r, 0, nil
	case err != nil:
		return r, 0, fmt.Errorf("budget: read %s: %w", b.key, err)
	}
	// A value this version cannot read is replaced (at its revision), not
	// trusted: it reads as no record.
	var read record
	if json.Unmarshal(e.Value(), &read) == nil {
		r = read
	}
	return r, e.Revision(), nil
}

func (b *Budget) write(ctx context.Context, r *record, rev uint64) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	kv, err := b.bucket()
	if err != nil {
		return err
	}
	if rev == 0 {
		_, err = kv.Create(ctx, b.key, v)
	} else {
		_, err = kv.Update(ctx, b.key, v, rev)
	}
	if err != nil {
		return fmt.Errorf("budget: write %s: %w", b.key, err)
	}
	return nil
}

func isConflict(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) ||
		(errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence)
}

// prune drops grants older than span.
func (r *record) prune(now time.Time, span time.Duration) {
	i := 0
	for i < len(r.Grants) && !r.Grants[i].At.After(now.Add(-span)) {
		i++
	}
	r.Grants = r.Grants[i:]
}

// room reports whether want fits under capacity with the grants of the
// last span, or how long until it does.
func (r *record) room(now time.Time, want, capacity float64, span time.Duration) (time.Duration, bool) {
	var sum float64
	for _, g := range r.Grants {
		sum += g.Units
	}
	if sum+want <= capacity {
		return 0, true
	}
	for _, g := range r.Grants {
		sum -= g.Units
		if sum+want <= capacity {
			return g.At.Add(span).Sub(now), false
		}
	}
	// want alone exceeds capacity (the scale went down): wait for the
	// whole list to age out.
	return span, false
}

// Observe adapts to an answer's rate-limit headers (azdo.Budget).
func (b *Budget) Observe(ctx context.Context, h azdo.RateLimitHeaders) {
	if extra := azdo.ExtraCost(h.Bytes); extra > 0 {
		b.mu.Lock()
		if b.remaining >= extra {
			b.remaining -= extra
		} else {
			b.debt += extra - b.remaining
			b.remaining = 0
		}
		b.mu.Unlock()
		b.met.spend(extra, 0)
	}
	low := h.HasLimit && h.Remaining < b.cfg.LowRemaining*h.Limit
	if !h.Throttled() && !low {
		return
	}
	now := time.Now()
	var pauseUntil time.Time
	if h.RetryAfter > 0 {
		pauseUntil = now.Add(min(h.RetryAfter, azdo.MaxRetryAfter))
		b.mu.Lock()
		if pauseUntil.After(b.pauseUntil) {
			b.pauseUntil = pauseUntil
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	recent := now.Sub(b.lastAdaptReq) < b.cfg.SliceTTL
	if !recent {
		b.lastAdaptReq = now
	}
	b.mu.Unlock()
	if recent && pauseUntil.IsZero() {
		return
	}
	if !b.adapting.CompareAndSwap(false, true) {
		return
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.adapting.Store(false)
		return
	}
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		defer b.adapting.Store(false)
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.cfg.KVTimeout)
		defer cancel()
		if err := b.adapt(ctx, now, pauseUntil); err != nil {
			b.log.WarnContext(ctx, "cannot share Azure DevOps' throttling with the fleet", "err", err)
		}
	}()
}

// adapt writes a pause and a lower scale to the key.
func (b *Budget) adapt(ctx context.Context, now, pauseUntil time.Time) error {
	for {
		r, rev, err := b.read(ctx)
		if err != nil {
			return err
		}
		b.bound(ctx, &r, time.Now())
		if pauseUntil.After(r.PauseUntil) {
			r.PauseUntil = pauseUntil
		}
		if now.Sub(r.ThrottledAt) >= b.cfg.SliceTTL {
			r.Scale = max(b.cfg.MinScale, r.scale()/2)
			r.ThrottledAt = now
		}
		r.prune(now, b.span())
		if err := b.write(ctx, &r, rev); err != nil {
			if isConflict(err) {
				continue
			}
			return err
		}
		b.seen(&r)
		if !pauseUntil.IsZero() {
			b.met.paused()
		}
		return nil
	}
}

// Bucket is the key-value bucket of a fleet's budgets as stream
// describes it: one key per organisation and identity, one revision kept.
func Bucket(stream streams.Config) jetstream.KeyValueConfig {
	stream = stream.WithDefaults()
	return jetstream.KeyValueConfig{
		Bucket:      stream.Fleet.BudgetBucket(),
		Description: "identity-wide Azure DevOps budgets: leased slices, fleet-wide pauses",
		History:     1,
		Storage:     stream.Storage(),
		Replicas:    stream.Replicas,
	}
}
