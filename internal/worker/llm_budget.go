package worker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// What draws from the organisation's LLM budget, the values of the
// metric's and the log's "use".
const (
	budgetReview  = "review"
	budgetCommand = "command"
)

// Outcomes of the requests asked of the LLM budget, the values of
// azreviewer_llm_budget_requests_total's "outcome".
const (
	// BudgetGranted are requests reserved.
	BudgetGranted = "granted"
	// BudgetReturned are requests reserved, then given back unsent (the
	// review was stopped first).
	BudgetReturned = "returned"
	// BudgetRefused are requests the spent budget did not grant: not sent.
	BudgetRefused = "refused"
	// BudgetUnchecked are requests not sent because the budget could not
	// be read (NATS unreachable, a key that kept changing).
	BudgetUnchecked = "unchecked"
)

// Log messages of the LLM budget.
const (
	LogLLMBudgetSpent     = "LLM budget spent"
	LogLLMBudgetUnchecked = "LLM budget not checked, no model request sent"
)

// llmBudget is the organisation's budget of model requests
// (Config.LLMBudget per Config.LLMBudgetWindow), counted across the fleet
// in the memory bucket, as one review or command draws from it: a
// reviewer.Budget. It traces, logs and counts what it grants and refuses.
// When the budget cannot be read nothing is granted (an error): the
// model is not called.
type llmBudget struct {
	w   *Worker
	use string
	mu  sync.Mutex
	// at is the last reservation's time, which Return names.
	at time.Time
}

var _ reviewer.Budget = (*llmBudget)(nil)

// llmBudget is the organisation's budget for use; nil when there is none
// (no memory bucket, or the budget off).
func (w *Worker) llmBudget(use string) *llmBudget {
	if w.cfg.Memory == nil || w.cfg.LLMBudget < 0 {
		return nil
	}
	return &llmBudget{w: w, use: use}
}

// org is the key the organisation's budget is counted under.
func (b *llmBudget) org() string { return servicehooks.NormalizeOrgURL(b.w.cfg.OrgURL) }

// Reserve reserves up to n requests in one compare-and-set.
func (b *llmBudget) Reserve(ctx context.Context, n int) (reviewer.Grant, error) {
	cfg, m := b.w.cfg, b.w.metrics.llmBudget
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Int("azreviewer.llm_budget.requested", n), attribute.Int("azreviewer.llm_budget.limit", cfg.LLMBudget),
		attribute.Int64("azreviewer.llm_budget.window_seconds", int64(cfg.LLMBudgetWindow/time.Second)))
	g, err := cfg.Memory.Reserve(ctx, b.org(), n, cfg.LLMBudget, cfg.LLMBudgetWindow, b.w.now())
	if err != nil {
		span.SetAttributes(attribute.Bool("azreviewer.llm_budget.unchecked", true))
		m.WithLabelValues(b.use, BudgetUnchecked).Add(float64(n))
		cfg.Logger.WarnContext(ctx, LogLLMBudgetUnchecked, "use", b.use, "requests", n, "error", err)
		return reviewer.Grant{}, fmt.Errorf("LLM budget: %w", err)
	}
	b.mu.Lock()
	b.at = g.At
	b.mu.Unlock()
	out := reviewer.Grant{Granted: g.Granted, Limit: cfg.LLMBudget, Window: cfg.LLMBudgetWindow}
	span.SetAttributes(attribute.Int("azreviewer.llm_budget.granted", g.Granted), attribute.Int("azreviewer.llm_budget.used", g.Used))
	m.WithLabelValues(b.use, BudgetGranted).Add(float64(g.Granted))
	if g.Granted < n {
		// Said to the minute, never before it is so.
		out.Renews = g.Renews.Add(time.Minute - 1).Truncate(time.Minute)
		span.SetAttributes(attribute.String("azreviewer.llm_budget.renews", g.Renews.UTC().Format(time.RFC3339)))
		m.WithLabelValues(b.use, BudgetRefused).Add(float64(n - g.Granted))
		cfg.Logger.WarnContext(ctx, LogLLMBudgetSpent, "use", b.use, "org", b.org(), "requested", n, "granted", g.Granted,
			"limit", cfg.LLMBudget, "window", cfg.LLMBudgetWindow.String(), "renews", g.Renews.UTC().Format(time.RFC3339))
	}
	return out, nil
}

// Return gives back n requests of the last reservation, not sent.
func (b *llmBudget) Return(ctx context.Context, n int) {
	b.mu.Lock()
	at := b.at
	b.mu.Unlock()
	if at.IsZero() || n <= 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := b.w.cfg.Memory.Return(ctx, b.org(), n, at, b.w.cfg.LLMBudgetWindow); err != nil {
		b.w.cfg.Logger.WarnContext(ctx, "LLM budget: unsent requests not returned", "requests", n, "error", err)
		return
	}
	b.w.metrics.llmBudget.WithLabelValues(b.use, BudgetReturned).Add(float64(n))
}

// budgetSpentReply is the answer to a model command past the budget.
func budgetSpentReply(g reviewer.Grant) string {
	return fmt.Sprintf("This organisation's LLM budget is spent (%d model requests per %s, reviews and commands together); the next model command is possible after %s.",
		g.Limit, g.Window, g.Renews.UTC().Format("2006-01-02 15:04 UTC"))
}
