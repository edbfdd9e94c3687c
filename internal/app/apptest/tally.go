package apptest

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"sync"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// Log messages the worker writes once per review request, by outcome: the
// worker's own constants.
const (
	MsgReviewPosted  = worker.LogReviewPosted
	MsgReviewSkipped = worker.LogReviewSkipped
	MsgReviewFailed  = worker.LogReviewFailed
	// MsgWorkerConsuming is logged once a worker starts pulling.
	MsgWorkerConsuming = app.LogWorkerConsuming
)

// LogTally counts log records by message, so a test can wait for "review
// posted" or count outcomes across in-process workers (as a slog.Handler)
// and worker processes (fed their JSON log lines). Safe for concurrent use.
type LogTally struct {
	forward []*LogTally

	mu      sync.Mutex
	counts  map[string]int
	changed chan struct{}
}

// NewLogTally returns an empty tally that also counts into forward (to
// count one process on its own and in a total).
func NewLogTally(forward ...*LogTally) *LogTally {
	return &LogTally{forward: forward, counts: map[string]int{}, changed: make(chan struct{})}
}

// Add counts one record with message msg.
func (t *LogTally) Add(msg string) {
	t.mu.Lock()
	t.counts[msg]++
	close(t.changed)
	t.changed = make(chan struct{})
	t.mu.Unlock()
	for _, f := range t.forward {
		f.Add(msg)
	}
}

// Count returns how many records with message msg were counted.
func (t *LogTally) Count(msg string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[msg]
}

// Counts returns a copy of all counts.
func (t *LogTally) Counts() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.counts)
}

// Wait returns once Count(msg) >= n, or with an error when ctx ends first.
func (t *LogTally) Wait(ctx context.Context, msg string, n int) error {
	for {
		t.mu.Lock()
		c, changed := t.counts[msg], t.changed
		t.mu.Unlock()
		if c >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("apptest: waiting for %d log records %q, have %d: %w", n, msg, c, ctx.Err())
		}
	}
}

// Handler returns a slog.Handler that counts every record (debug included)
// and passes those next enables to next (nil: none).
func (t *LogTally) Handler(next slog.Handler) slog.Handler {
	if next == nil {
		next = slog.DiscardHandler
	}
	return &tallyHandler{t: t, next: next}
}

type tallyHandler struct {
	t    *LogTally
	next slog.Handler
}

func (h *tallyHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *tallyHandler) Handle(ctx context.Context, r slog.Record) error {
	h.t.Add(r.Message)
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *tallyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &tallyHandler{t: h.t, next: h.next.WithAttrs(attrs)}
}

func (h *tallyHandler) WithGroup(name string) slog.Handler {
	return &tallyHandler{t: h.t, next: h.next.WithGroup(name)}
}
