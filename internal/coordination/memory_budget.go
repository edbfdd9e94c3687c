package coordination

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"time"
)

// budgetSlots is how many slots a budget's window is counted in: the
// reservations of one slot are counted together, so a key holds at most
// budgetSlots+2 entries whatever the budget.
const budgetSlots = 60

// ErrBudgetSetting is returned by [Memory.Reserve] for a limit or window
// that is not positive.
var ErrBudgetSetting = errors.New("coordination: a budget needs a positive limit and window")

// Budget is an organisation's model requests as the memory bucket counts
// them: the requests reserved per slot of the window, and in all.
type Budget struct {
	// Slots are the slots still counted, oldest first.
	Slots []BudgetSlot `json:"slots"`
	// Reserved counts every request reserved, less those returned.
	Reserved int64 `json:"reserved"`
}

// BudgetSlot is the requests reserved in one slot of a budget's window.
type BudgetSlot struct {
	// Start is the slot's start; the slot is Window/60 long.
	Start time.Time `json:"start"`
	// N is how many requests were reserved in it.
	N int `json:"n"`
}

// BudgetGrant is what [Memory.Reserve] reserved.
type BudgetGrant struct {
	// Granted is how many requests were reserved, 0 to the number asked.
	Granted int
	// Used is how many the window counts, these included.
	Used int
	// At is the reservation's time, which [Memory.Return] takes.
	At time.Time
	// Renews, when fewer were granted than asked, is when the oldest
	// slot counted leaves the window: the budget then has room again.
	Renews time.Time
}

func budgetKey(org string) string {
	sum := sha256.Sum256([]byte(org))
	return "llmbudget." + hex.EncodeToString(sum[:12])
}

// budgetSlot is the length of one slot of window.
func budgetSlot(window time.Duration) time.Duration {
	return max(window/budgetSlots, time.Millisecond)
}

// expires is when slot s of window stops being counted: a slot's
// requests are counted for a whole window after its end, so every
// request is counted for at least a window after it was reserved and no
// window of that length, wherever it starts, holds more than the limit.
func (s BudgetSlot) expires(window time.Duration) time.Time {
	return s.Start.Add(budgetSlot(window) + window)
}

// prune drops the slots no longer counted at now, and those emptied by a
// return.
func (b *Budget) prune(window time.Duration, now time.Time) {
	b.Slots = slices.DeleteFunc(b.Slots, func(s BudgetSlot) bool { return s.N <= 0 || !now.Before(s.expires(window)) })
}

// used is how many requests the slots count.
func (b *Budget) used() int {
	n := 0
	for _, s := range b.Slots {
		n += s.N
	}
	return n
}

// Reserve reserves, in one compare-and-set on the organisation's key,
// up to n of the limit requests the organisation org (any stable id; the
// key holds its hash) gets per window, counted in the window before now
// across the fleet: as many as are left, when fewer than n are. It is
// how every worker of a fleet stays under one budget: concurrent
// reservations never grant more than the limit between them. A
// reservation of nothing writes nothing.
func (s *Memory) Reserve(ctx context.Context, org string, n, limit int, window time.Duration, now time.Time) (BudgetGrant, error) {
	if limit <= 0 || window <= 0 {
		return BudgetGrant{}, ErrBudgetSetting
	}
	now = now.UTC()
	g := BudgetGrant{At: now}
	if n <= 0 {
		return g, nil
	}
	start := now.Truncate(budgetSlot(window))
	_, err := update(ctx, s.kv, budgetKey(org), func(b *Budget) (bool, error) {
		b.prune(window, now)
		used := b.used()
		g.Granted = max(0, min(n, limit-used))
		g.Used, g.Renews = used+g.Granted, time.Time{}
		if g.Granted == 0 {
			g.Renews = b.Slots[0].expires(window) // limit > 0 = used
			return false, nil
		}
		// In order of start, whatever the clock of the worker that wrote
		// the others.
		i, found := slices.BinarySearchFunc(b.Slots, start, func(s BudgetSlot, t time.Time) int { return s.Start.Compare(t) })
		if found {
			b.Slots[i].N += g.Granted
		} else {
			b.Slots = slices.Insert(b.Slots, i, BudgetSlot{Start: start, N: g.Granted})
		}
		b.Reserved += int64(g.Granted)
		if g.Granted < n {
			g.Renews = b.Slots[0].expires(window)
		}
		return true, nil
	})
	if err != nil {
		return BudgetGrant{}, err
	}
	return g, nil
}

// Return gives back n requests of a reservation made at (its
// [BudgetGrant.At]) and not sent: the slot counts them no more. Requests
// of a slot no longer counted are gone already.
func (s *Memory) Return(ctx context.Context, org string, n int, at time.Time, window time.Duration) error {
	if n <= 0 || window <= 0 {
		return nil
	}
	start := at.UTC().Truncate(budgetSlot(window))
	_, err := update(ctx, s.kv, budgetKey(org), func(b *Budget) (bool, error) {
		i := slices.IndexFunc(b.Slots, func(s BudgetSlot) bool { return s.Start.Equal(start) })
		if i < 0 {
			return false, nil
		}
		back := min(n, b.Slots[i].N)
		b.Slots[i].N -= back
		b.Reserved -= int64(back)
		b.Slots = slices.DeleteFunc(b.Slots, func(s BudgetSlot) bool { return s.N <= 0 })
		return true, nil
	})
	return err
}

// Budget returns the organisation's budget as counted at now in window
// (the zero value when none).
func (s *Memory) Budget(ctx context.Context, org string, window time.Duration, now time.Time) (Budget, error) {
	var b Budget
	if _, err := get(ctx, s.kv, budgetKey(org), &b); err != nil {
		return Budget{}, err
	}
	b.prune(window, now.UTC())
	return b, nil
}
