package coordination

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ErrLeaseBusy is returned by [Hold] when the lease stayed held by another
// worker for the whole wait; the caller puts its work back for later.
var ErrLeaseBusy = errors.New("another worker kept the pull request's lease")

// Acquirer takes leases; *Store is one.
type Acquirer interface {
	Acquire(ctx context.Context, key string) (*Lease, error)
}

// HoldConfig tunes [Hold] and [Keep].
type HoldConfig struct {
	// Wait is how long Hold waits for a lease another worker holds.
	// Default 30 s.
	Wait time.Duration
	// Refresh is how often a held lease is refreshed; keep it well under
	// the lease bucket's TTL. Default [DefaultLeaseRefresh].
	Refresh time.Duration
	// Logger receives refresh and release failures. Default slog.Default().
	Logger *slog.Logger
}

// DefaultLeaseRefresh is [HoldConfig.Refresh]'s default: a third of the
// lease bucket's default TTL ([Config.LeaseTTL]), so two refreshes in a
// row may fail before the lease expires, as the worker command refreshes a
// third of LEASE_TTL. A refresh as long as the TTL loses the lease of any
// review that outlasts it.
const DefaultLeaseRefresh = DefaultLeaseTTL / 3

func (c HoldConfig) withDefaults() HoldConfig {
	c.Wait = cmp.Or(c.Wait, 30*time.Second)
	c.Refresh = cmp.Or(c.Refresh, DefaultLeaseRefresh)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Hold waits for key's lease, polling with a growing pause, for at most
// cfg.Wait ([ErrLeaseBusy] then), and keeps it as [Keep] does.
func Hold(ctx context.Context, a Acquirer, key string, cfg HoldConfig) (context.Context, func(), error) {
	cfg = cfg.withDefaults()
	deadline := time.Now().Add(cfg.Wait)
	pause := 100 * time.Millisecond
	for {
		lease, err := a.Acquire(ctx, key)
		if err == nil {
			ctx, release := Keep(ctx, key, lease, cfg)
			return ctx, release, nil
		}
		if !errors.Is(err, ErrLeaseHeld) {
			return ctx, nil, err
		}
		if time.Now().After(deadline) {
			return ctx, nil, ErrLeaseBusy
		}
		select {
		case <-ctx.Done():
			return ctx, nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(pause*2, 2*time.Second)
	}
}

// Keep refreshes a held lease every cfg.Refresh until the returned release
// function is called, which gives the lease up. If the lease is lost, the
// returned context is cancelled, so the holder stops writing.
func Keep(ctx context.Context, key string, lease *Lease, cfg HoldConfig) (context.Context, func()) {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancelCause(ctx)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(cfg.Refresh)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := lease.Refresh(ctx); err != nil {
					if errors.Is(err, ErrLeaseLost) {
						cancel(fmt.Errorf("stopped reviewing: %w", err))
						return
					}
					cfg.Logger.WarnContext(ctx, "lease refresh failed", "key", key, "error", err)
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
			cfg.Logger.WarnContext(ctx, "lease release failed; it expires by itself", "key", key, "error", err)
		}
		cancel(nil)
	}
	return ctx, release
}
