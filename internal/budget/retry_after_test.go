package budget_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/budget"
)

// pauseCap is the longest pause a Retry-After is believed for, as
// documented (azdo.MaxRetryAfter).
const pauseCap = 5 * time.Minute

const month = 30 * 24 * time.Hour

// keyRecord is the budget key's value as it is stored: the fields this
// test reads or writes as an older release did.
type keyRecord struct {
	Grants      []any     `json:"grants"`
	PauseUntil  time.Time `json:"pause_until,omitzero"`
	Scale       float64   `json:"scale,omitempty"`
	ThrottledAt time.Time `json:"throttled_at,omitzero"`
}

// key is the budget key of the simulator's identity.
func (b bundle) key() string { return budget.Key(azdotest.OrgName, azdo.PAT(b.sim.PAT).Identity()) }

// pausedKey waits until the key holds a pause and returns its record.
func (b bundle) pausedKey(t *testing.T, kv jetstream.KeyValue) keyRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	w, err := kv.Watch(ctx, b.key())
	require.NoError(t, err)
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e := <-w.Updates():
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			var r keyRecord
			require.NoError(t, json.Unmarshal(e.Value(), &r))
			if !r.PauseUntil.IsZero() {
				return r
			}
		case <-ctx.Done():
			t.Fatalf("the budget key holds no pause: %v", ctx.Err())
		}
	}
}

// reviewCall is a call with a deadline sooner than the cap, so that a
// paused budget fails it at once with what is left of the pause.
func reviewCall(t *testing.T, c *azdo.Client) *azdo.Error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := c.Repository(ctx, azdotest.ProjectName, azdotest.RepoName)
	e, ok := azdo.AsError(err)
	require.True(t, ok, "a paused identity fails the call: %v", err)
	require.Equal(t, azdo.KindRateLimited, e.Kind, "%v", err)
	return e
}

// TestRetryAfterBeyondTheCapPausesTheFleetForTheCap: one answer asking
// for a month's pause (a proxy's or a serviced server's 503, a 429, in
// seconds or as an HTTP-date) pauses the identity across the fleet, and a
// freshly started process, for the cap at most.
func TestRetryAfterBeyondTheCapPausesTheFleetForTheCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fail func(s *azdosim.Server)
	}{
		{"503 in seconds", func(s *azdosim.Server) { s.FailRequests("", 1, http.StatusServiceUnavailable, month) }},
		{"429 in seconds", func(s *azdosim.Server) { s.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: month}) }},
		{"503 as an HTTP-date", func(s *azdosim.Server) {
			s.FailRequestsUntil("", 1, http.StatusServiceUnavailable, time.Now().Add(month))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cfg := &budget.Config{Limit: 600, Window: 5 * time.Minute}
			first, _ := b.process(t, cfg)
			tt.fail(b.sim.Server)
			_, err := first.Repository(t.Context(), azdotest.ProjectName, azdotest.RepoName)
			require.Error(t, err)
			written := b.pausedKey(t, b.kv(t))
			require.LessOrEqual(t, time.Until(written.PauseUntil), pauseCap, "the key holds the cap at most: %s", written.PauseUntil)

			restarted, bud := b.process(t, cfg) // another worker, or this one restarted
			e := reviewCall(t, restarted)
			t.Logf("fresh process: paused until %s (in %s); its first call: retry_after=%s",
				bud.PausedUntil().Format(time.RFC3339), time.Until(bud.PausedUntil()).Round(time.Second), e.RetryAfter.Round(time.Second))
			require.LessOrEqual(t, e.RetryAfter, pauseCap, "%v", e)
			require.Greater(t, e.RetryAfter, pauseCap-time.Minute, "the pause is kept, for the cap")
			require.LessOrEqual(t, time.Until(bud.PausedUntil()), pauseCap)
		})
	}
}

// TestFreshProcessAdoptsAtMostTheCapFromTheKey: a key that already holds a
// month-long pause (written by an older release, or by a process whose
// clock is far ahead) pauses a process of this release for the cap at
// most, whether it reads the key to lease or sees it change; the process
// that leases mends the key, so the pause ends for every process.
func TestFreshProcessAdoptsAtMostTheCapFromTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// watching: the process runs before the key changes, and sees the
		// pause through its watch; otherwise it starts after and reads it.
		watching bool
	}{
		{"read to lease", false},
		{"seen by the watch", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			cfg := &budget.Config{Limit: 600, Window: 5 * time.Minute}
			var (
				c   *azdo.Client
				bud *budget.Budget
			)
			if tt.watching {
				c, bud = b.process(t, cfg)
				_, err := c.Repository(t.Context(), azdotest.ProjectName, azdotest.RepoName) // leases
				require.NoError(t, err)
			}
			kv := b.kv(t)
			old, err := json.Marshal(keyRecord{Grants: []any{}, PauseUntil: time.Now().Add(month), Scale: 0.5, ThrottledAt: time.Now()})
			require.NoError(t, err)
			_, err = kv.Put(t.Context(), b.key(), old)
			require.NoError(t, err)
			if tt.watching {
				require.Eventually(t, func() bool { return !bud.PausedUntil().IsZero() }, 10*time.Second, 10*time.Millisecond,
					"the watch sees the pause")
			} else {
				c, bud = b.process(t, cfg)
			}

			e := reviewCall(t, c)
			require.LessOrEqual(t, e.RetryAfter, pauseCap, "%v", e)
			require.Greater(t, e.RetryAfter, pauseCap-time.Minute, "the pause is kept, for the cap")
			require.LessOrEqual(t, time.Until(bud.PausedUntil()), pauseCap, "adopted until %s", bud.PausedUntil())

			if !tt.watching {
				e, err := kv.Get(t.Context(), b.key())
				require.NoError(t, err)
				var mended keyRecord
				require.NoError(t, json.Unmarshal(e.Value(), &mended))
				require.LessOrEqual(t, time.Until(mended.PauseUntil), pauseCap, "the key is mended: %s", mended.PauseUntil)
				require.Equal(t, 0.5, mended.Scale, "and keeps the rest")
			}
		})
	}
}
