package coordination_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestReserve: an organisation's reservations are granted while the
// window holds fewer than the limit, in part when only part fits; what
// is left out renews when the oldest slot leaves the window (a slot is a
// sixtieth of it, counted for a whole window after its end); another
// organisation has its own budget.
func TestReserve(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	steps := []struct {
		name       string
		org        string
		at         time.Time
		n          int
		granted    int
		used       int
		renews     time.Time
		wantRenews bool
	}{
		{"nothing asked", "a", t0, 0, 0, 0, time.Time{}, false},
		{"first", "a", t0, 4, 4, 4, time.Time{}, false},
		{"second", "a", t0.Add(10 * time.Minute), 4, 4, 8, time.Time{}, false},
		{"only part fits", "a", t0.Add(20 * time.Minute), 4, 2, 10, t0.Add(61 * time.Minute), true},
		{"another organisation", "b", t0.Add(20 * time.Minute), 4, 4, 4, time.Time{}, false},
		{"spent", "a", t0.Add(30 * time.Minute), 1, 0, 10, t0.Add(61 * time.Minute), true},
		{"still spent a window after the first", "a", t0.Add(60*time.Minute + 59*time.Second), 1, 0, 10, t0.Add(61 * time.Minute), true},
		{"the first slot left the window", "a", t0.Add(61 * time.Minute), 5, 4, 10, t0.Add(71 * time.Minute), true},
	}
	for _, st := range steps {
		g, err := s.Reserve(ctx, st.org, st.n, 10, time.Hour, st.at)
		require.NoError(t, err, st.name)
		require.Equal(t, st.granted, g.Granted, st.name)
		require.Equal(t, st.used, g.Used, st.name)
		require.Equal(t, st.wantRenews, !g.Renews.IsZero(), "%s: renews %s", st.name, g.Renews)
		if st.wantRenews {
			require.True(t, st.renews.Equal(g.Renews), "%s: renews %s, want %s", st.name, g.Renews, st.renews)
		}
	}
	_, err := s.Reserve(ctx, "a", 1, 0, time.Hour, t0)
	require.ErrorIs(t, err, coordination.ErrBudgetSetting)
}

// TestReturn: requests returned are no longer counted, and can be
// reserved again.
func TestReturn(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)
	g, err := s.Reserve(ctx, "org", 8, 10, time.Hour, t0)
	require.NoError(t, err)
	require.Equal(t, 8, g.Granted)
	require.NoError(t, s.Return(ctx, "org", 5, g.At, time.Hour))
	b, err := s.Budget(ctx, "org", time.Hour, t0)
	require.NoError(t, err)
	require.EqualValues(t, 3, b.Reserved)
	g, err = s.Reserve(ctx, "org", 10, 10, time.Hour, t0.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, 7, g.Granted, "10 less the 3 not returned")
	// More than was reserved: the slot is emptied, never below zero.
	require.NoError(t, s.Return(ctx, "org", 50, t0, time.Hour))
	b, err = s.Budget(ctx, "org", time.Hour, t0.Add(time.Second))
	require.NoError(t, err)
	require.Empty(t, b.Slots)
}

// TestReserveNeverExceedsLimitInAnyWindow: reservations of 1 to 4
// requests every 10 s for three hours, at a limit of 10 per hour: no
// hour, wherever it starts, was granted more than 10; and the budget is
// used, not starved (each hour is granted at least 9).
func TestReserveNeverExceedsLimitInAnyWindow(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 10, 0, 7, 0, time.UTC)
	rnd := rand.New(rand.NewPCG(1, 2))
	type grant struct {
		at time.Time
		n  int
	}
	var grants []grant
	for at := t0; at.Before(t0.Add(3 * time.Hour)); at = at.Add(10 * time.Second) {
		g, err := s.Reserve(ctx, "org", 1+rnd.IntN(4), 10, time.Hour, at)
		require.NoError(t, err)
		if g.Granted > 0 {
			grants = append(grants, grant{at, g.Granted})
		}
	}
	for i, end := range grants {
		sum := 0
		for _, g := range grants[:i+1] {
			if g.at.After(end.at.Add(-time.Hour)) {
				sum += g.n
			}
		}
		require.LessOrEqual(t, sum, 10, "the hour up to %s", end.at)
	}
	for h := range 3 {
		from := t0.Add(time.Duration(h) * time.Hour)
		sum := 0
		for _, g := range grants {
			if !g.at.Before(from) && g.at.Before(from.Add(time.Hour)) {
				sum += g.n
			}
		}
		require.GreaterOrEqual(t, sum, 9, "hour %d", h)
	}
}

// TestConcurrentReservations: reservations from many goroutines of two
// workers (each its own NATS connection) on one organisation's budget
// grant exactly the limit between them, never more.
func TestConcurrentReservations(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	_, err := coordination.EnsureMemory(ctx, b.JS, streams.Config{Memory: true})
	require.NoError(t, err)
	var mems []*coordination.Memory
	for range 2 {
		nc, err := b.Server.Connect()
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		require.NoError(t, err)
		m, err := coordination.OpenMemory(ctx, js, streams.Config{Memory: true})
		require.NoError(t, err)
		mems = append(mems, m)
	}
	const (
		workers = 16
		each    = 3
		limit   = 40
	)
	now := time.Now()
	granted := make([]int, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			g, err := mems[i%2].Reserve(ctx, "org", each, limit, time.Hour, now)
			if err == nil {
				granted[i] = g.Granted
			} else {
				granted[i] = -1000
			}
		})
	}
	wg.Wait()
	total := 0
	for i, g := range granted {
		require.GreaterOrEqual(t, g, 0, "reservation %d failed", i)
		total += g
	}
	require.Equal(t, limit, total, "granted between them: %v", granted)
	bud, err := mems[0].Budget(ctx, "org", time.Hour, now)
	require.NoError(t, err)
	require.EqualValues(t, limit, bud.Reserved)
}

// BenchmarkReserve is one reservation on a budget whose window holds a
// reservation in every slot (the largest value), against counting a
// command's tokens (Spent, a small value) as the baseline: both are one
// read and one compare-and-set.
func BenchmarkReserve(b *testing.B) {
	s := newStore(b)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := range 60 {
		_, err := s.Reserve(ctx, "org", 1, 1<<30, time.Hour, t0.Add(time.Duration(i)*time.Minute))
		require.NoError(b, err)
	}
	at := t0.Add(59 * time.Minute)
	b.Run("reserve", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Reserve(ctx, "org", 8, 1<<30, time.Hour, at); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("spent (baseline)", func(b *testing.B) {
		for b.Loop() {
			if err := s.Spent(ctx, "repo", 1, 100, 20); err != nil {
				b.Fatal(err)
			}
		}
	})
}
