package budget_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/budget"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// bundle is a simulator and a NATS server; each "process" gets its own
// NATS connection, budget and client.
type bundle struct {
	sim *azdotest.Sim
	srv *broker.Server
}

func setup(t *testing.T) bundle {
	t.Helper()
	return bundle{sim: azdotest.New(t), srv: eventstest.Start(t, streams.Config{}).Server}
}

// kv opens the budgets' bucket on a connection of its own.
func (b bundle) kv(t *testing.T) jetstream.KeyValue {
	t.Helper()
	nc, err := b.srv.Connect()
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	kv, err := js.KeyValue(t.Context(), budget.Bucket(streams.Config{}).Bucket) // provisioned
	require.NoError(t, err)
	return kv
}

// process is one worker process's client on the shared identity, with
// its budget (nil cfg: the per-process limiter only).
func (b bundle) process(t *testing.T, cfg *budget.Config) (*azdo.Client, *budget.Budget) {
	t.Helper()
	acfg := azdo.Config{OrgURL: b.sim.Org.URL(), PAT: b.sim.PAT, MaxConcurrent: 8, RequestsPerSecond: -1, MaxRetries: -1}
	var bud *budget.Budget
	if cfg != nil {
		c := *cfg
		c.KV = b.kv(t)
		c.Org = azdotest.OrgName
		c.Identity = azdo.PAT(b.sim.PAT).Identity()
		var err error
		bud, err = budget.New(c)
		require.NoError(t, err)
		bud.Start(t.Context())
		t.Cleanup(bud.Close)
		acfg.Budget = bud
	}
	client, err := azdo.New(acfg)
	require.NoError(t, err)
	return client, bud
}

// hammer makes calls reads of the repository spread over clients, 8 at a
// time each, and returns how many failed.
func hammer(ctx context.Context, clients []*azdo.Client, calls int) int {
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for _, c := range clients {
		for range 8 {
			wg.Go(func() {
				for next.Add(1) <= int64(calls) {
					if _, err := c.Repository(ctx, azdotest.ProjectName, azdotest.RepoName); err != nil {
						failed.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	return int(failed.Load())
}

// TestProcessesSharingAnIdentityStayWithinItsBudget runs three clients on
// one identity against the simulator's budget: with the per-process
// limiter only they spend more than the identity's budget in a window
// and are throttled; with the shared budget they never exceed it.
func TestProcessesSharingAnIdentityStayWithinItsBudget(t *testing.T) {
	t.Parallel()
	const limit, calls = 60, 150
	window := 1500 * time.Millisecond
	for _, tc := range []struct {
		name     string
		budget   bool
		wantOver bool
	}{
		{name: "per-process limiter only", wantOver: true},
		{name: "identity-wide budget", budget: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.sim.Server.Throttle(azdosim.Throttle{Limit: limit, Window: window})
			var cfg *budget.Config
			if tc.budget {
				// A slice lives 200 ms, and so may a request on its way to
				// Azure: a loaded test machine takes tens of milliseconds
				// (production's margin is Window/40, 7.5 s).
				cfg = &budget.Config{Limit: limit, Window: window, SliceTTL: 200 * time.Millisecond}
			}
			var clients []*azdo.Client
			for range 3 {
				c, _ := b.process(t, cfg)
				clients = append(clients, c)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			failed := hammer(ctx, clients, calls)
			st := b.sim.Server.ThrottleStats(b.sim.Org, b.sim.User)
			t.Logf("max in window %g (limit %d), delayed %d, blocked %d, failed %d", st.MaxInWindow, limit, st.Delayed, st.Blocked, failed)
			if tc.wantOver {
				require.Greater(t, st.MaxInWindow, float64(limit), "three processes each paced alone spend more than the identity's budget")
				return
			}
			require.Zero(t, failed)
			require.LessOrEqual(t, st.MaxInWindow, float64(limit))
			require.Zero(t, st.Delayed+st.Blocked)
		})
	}
}

// TestRetryAfterSeenByOnePausesTheOthers: a Retry-After on one process's
// answer pauses the other process, whose next request reaches Azure only
// after the pause.
func TestRetryAfterSeenByOnePausesTheOthers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := &budget.Config{Limit: 1000, Window: 10 * time.Second}
	first, _ := b.process(t, cfg)
	second, secondBudget := b.process(t, cfg)
	ctx := t.Context()
	_, err := second.Repository(ctx, azdotest.ProjectName, azdotest.RepoName) // leases, watches
	require.NoError(t, err)

	b.sim.Server.SlowDown(azdosim.RateLimit{Requests: 1, RetryAfter: time.Second})
	seenAt := time.Now()
	_, err = first.Repository(ctx, azdotest.ProjectName, azdotest.RepoName)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return secondBudget.PausedUntil().After(seenAt) }, 10*time.Second, 10*time.Millisecond,
		"the pause reaches the other process through the key")
	pausedUntil := secondBudget.PausedUntil()

	before := len(b.sim.Server.Requests())
	_, err = second.Repository(ctx, azdotest.ProjectName, azdotest.RepoName)
	require.NoError(t, err)
	reqs := b.sim.Server.Requests()[before:]
	require.Len(t, reqs, 1)
	require.False(t, reqs[0].At.Before(pausedUntil), "the other process's request waited for the pause (arrived %s, pause until %s)", reqs[0].At, pausedUntil)
}

// TestWatchTakesAPauseWrittenBeforeItStarted: a process whose watch
// starts after another process wrote a pause to the key takes that pause
// from the watch, before any lease of its own. A watch of later updates
// only missed every pause written while it was being set up or set up
// again, and the process spent its slice through the pause.
func TestWatchTakesAPauseWrittenBeforeItStarted(t *testing.T) {
	t.Parallel()
	b := setup(t)
	cfg := &budget.Config{Limit: 1000, Window: 10 * time.Second}
	first, _ := b.process(t, cfg)
	ctx := t.Context()
	_, err := first.Repository(ctx, azdotest.ProjectName, azdotest.RepoName) // endpoint discovery
	require.NoError(t, err)
	b.sim.Server.SlowDown(azdosim.RateLimit{Requests: 1, RetryAfter: time.Minute})
	seenAt := time.Now()
	_, err = first.Repository(ctx, azdotest.ProjectName, azdotest.RepoName)
	require.NoError(t, err)
	kv := b.kv(t)
	key := budget.Key(azdotest.OrgName, azdo.PAT(b.sim.PAT).Identity())
	require.Eventually(t, func() bool {
		e, err := kv.Get(ctx, key)
		if err != nil {
			return false
		}
		var r struct {
			PauseUntil time.Time `json:"pause_until"`
		}
		return json.Unmarshal(e.Value(), &r) == nil && r.PauseUntil.After(seenAt)
	}, time.Minute, 10*time.Millisecond, "the first process writes its pause to the key")

	c := *cfg
	c.KV, c.Org, c.Identity = kv, azdotest.OrgName, azdo.PAT(b.sim.PAT).Identity()
	second, err := budget.New(c)
	require.NoError(t, err)
	t.Cleanup(second.Close)
	second.Start(ctx)
	require.Eventually(t, func() bool { return second.PausedUntil().After(seenAt) }, time.Minute, 10*time.Millisecond,
		"the watch delivers the pause already in the key")
}

// TestNATSUnavailableSpendsOnlyAConservativeShare: with NATS gone, a
// process spends from its local fallback share (5 % of the budget per
// window), never the budget, and its calls still go through.
func TestNATSUnavailableSpendsOnlyAConservativeShare(t *testing.T) {
	t.Parallel()
	b := setup(t)
	const limit = 200
	window := time.Second
	b.sim.Server.Throttle(azdosim.Throttle{Limit: limit, Window: window})
	client, _ := b.process(t, &budget.Config{Limit: limit, Window: window, KVTimeout: 200 * time.Millisecond})
	b.srv.Shutdown()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	time.AfterFunc(1500*time.Millisecond, cancel)
	start := time.Now()
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for ctx.Err() == nil {
				if _, err := client.Repository(ctx, azdotest.ProjectName, azdotest.RepoName); err == nil {
					ok.Add(1)
				} else if !errors.Is(err, context.Canceled) {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	share := budget.DefaultFallback * limit * elapsed.Seconds() / window.Seconds()
	t.Logf("%d calls in %s without NATS (fallback share %.1f, budget %.0f)", ok.Load(), elapsed, share, limit*elapsed.Seconds()/window.Seconds())
	require.Positive(t, ok.Load(), "calls go on without NATS")
	require.LessOrEqual(t, float64(ok.Load()), share+2, "no more than the fallback share and its burst")
	require.Zero(t, failed.Load())
}

// TestBudgetAdaptsToAzureHeaders: a budget sized above what the
// simulator allows goes down when Azure delays its requests, and back up
// once Azure no longer does.
func TestBudgetAdaptsToAzureHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t)
	window := time.Second
	b.sim.Server.Throttle(azdosim.Throttle{Limit: 40, Window: window, MaxDelay: 20 * time.Millisecond})
	client, bud := b.process(t, &budget.Config{Limit: 400, Window: window})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for bud.Size() >= 400 && ctx.Err() == nil {
		_, _ = client.Repository(ctx, azdotest.ProjectName, azdotest.RepoName)
	}
	require.Less(t, bud.Size(), 400.0, "Azure's delays lower the budget")
	low := bud.Size()

	b.sim.Server.Throttle(azdosim.Throttle{}) // Azure stops delaying
	for bud.Size() < 400 && ctx.Err() == nil {
		_, err := client.Repository(ctx, azdotest.ProjectName, azdotest.RepoName)
		require.NoError(t, err)
	}
	t.Logf("budget went down to %g and back up to %g", low, bud.Size())
	require.Equal(t, 400.0, bud.Size(), "the budget recovers when Azure stops delaying")
}

// TestKeyHoldsNoSecret: the budget's key is a hash of the organisation
// and the credential's identity, never the PAT.
func TestKeyHoldsNoSecret(t *testing.T) {
	t.Parallel()
	const pat = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
	key := budget.Key("fabrikam", azdo.PAT(pat).Identity())
	require.NotContains(t, key, pat)
	require.NotContains(t, key, pat[:8])
	require.NotEqual(t, key, budget.Key("contoso", azdo.PAT(pat).Identity()))
}
