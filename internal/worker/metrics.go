package worker

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
)

// Metrics are the worker's Prometheus metrics.
type Metrics struct {
	reviews     *prometheus.CounterVec
	skips       *prometheus.CounterVec
	settlements *prometheus.CounterVec
	failures    *prometheus.CounterVec
	writes      *prometheus.CounterVec
	threads     prometheus.Counter
	findings    prometheus.Counter
	duration    prometheus.Histogram
	inFlight    prometheus.Gauge
	// llmBudget counts the model requests asked of the organisation's
	// LLM budget, by use and outcome.
	llmBudget *prometheus.CounterVec
}

// NewMetrics creates the worker's metrics and registers them with reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_reviews_total",
			Help: "Review requests handled, by outcome (reviewed, skipped, failed, command, handed_back: unfinished at shutdown, redelivered).",
		}, []string{"outcome"}),
		skips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_review_skips_total",
			Help: "Review requests that needed no review, by reason (already_reviewed, not_active, no_command, own_comment, other_organisation).",
		}, []string{"reason"}),
		settlements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_messages_settled_total",
			Help: "Review requests settled, by how: ack, nak (redelivered later), term, dead_letter.",
		}, []string{"settlement"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_review_failures_total",
			Help: "Failed reviews by error type (unauthorized, sign_in_page, missing_scope, forbidden, not_found, rate_limited, transient, dropped, …).",
		}, []string{"error_type"}),
		writes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_writes_total",
			Help: "Writes to Azure DevOps (threads and summaries) by outcome: posted (confirmed by read-back), rejected, dropped (acknowledged but missing), unverified, altered (there, with a text other than sent).",
		}, []string{"outcome"}),
		threads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "azreviewer_threads_posted_total",
			Help: "Finding threads posted to pull requests.",
		}),
		findings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "azreviewer_findings_total",
			Help: "Findings produced by reviews, posted or already present.",
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "azreviewer_review_duration_seconds",
			Help:    "Time to handle one review request, Azure DevOps calls included.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14),
		}),
	}
	m.llmBudget = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "azreviewer_llm_budget_requests_total",
		Help: "Model requests asked of the organisation's LLM budget (LLM_BUDGET), by use (review, command) and outcome: granted, refused (the budget was spent: not sent), unchecked (the budget could not be read: not sent), returned (granted, then not sent).",
	}, []string{"use", "outcome"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "azreviewer_reviews_in_flight",
		Help: "Review requests being handled now (at most the worker's concurrency).",
	})
	if reg != nil {
		reg.MustRegister(m.reviews, m.skips, m.settlements, m.failures, m.writes, m.threads, m.findings, m.duration, m.inFlight, m.llmBudget)
	}
	for _, o := range []Outcome{OutcomeReviewed, OutcomeSkipped, OutcomeFailed, OutcomeCommand, OutcomeHandedBack} {
		m.reviews.WithLabelValues(string(o))
	}
	// Every failure kind has its series from the start, so an alert on
	// increase() sees the first failure.
	for _, k := range []azdo.Kind{azdo.KindUnauthorized, azdo.KindSignInPage, azdo.KindMissingScope, azdo.KindForbidden,
		azdo.KindNotFound, azdo.KindRateLimited, azdo.KindTransient, azdo.KindInvalid} {
		m.failures.WithLabelValues(string(k))
	}
	m.failures.WithLabelValues((&DroppedWritesError{}).Class())
	m.failures.WithLabelValues("other")
	for _, o := range []string{WritePosted, WriteRejected, WriteDropped, WriteUnverified, WriteAltered} {
		m.writes.WithLabelValues(o)
	}
	for _, use := range []string{budgetReview, budgetCommand} {
		for _, o := range []string{BudgetGranted, BudgetRefused, BudgetUnchecked, BudgetReturned} {
			m.llmBudget.WithLabelValues(use, o)
		}
	}
	for _, s := range []events.Settlement{events.SettleAck, events.SettleNak, events.SettleTerm, events.SettleDeadLetter, events.SettleStranded} {
		m.settlements.WithLabelValues(string(s))
	}
	return m
}

func (m *Metrics) observe(r Report, err error, took time.Duration) {
	m.reviews.WithLabelValues(string(r.Outcome)).Inc()
	if r.Outcome == OutcomeSkipped {
		m.skips.WithLabelValues(r.SkipCode).Inc()
	}
	if err != nil && r.Outcome != OutcomeHandedBack {
		kind := "other"
		var c classified
		if errors.As(err, &c) {
			kind = c.Class()
		}
		m.failures.WithLabelValues(kind).Inc()
	}
	m.writes.WithLabelValues(WritePosted).Add(float64(r.Writes.Posted))
	m.writes.WithLabelValues(WriteRejected).Add(float64(r.Writes.Rejected))
	m.writes.WithLabelValues(WriteDropped).Add(float64(r.Writes.Dropped))
	m.writes.WithLabelValues(WriteUnverified).Add(float64(r.Writes.Unverified))
	m.writes.WithLabelValues(WriteAltered).Add(float64(r.Writes.Altered))
	m.threads.Add(float64(r.ThreadsPosted))
	m.findings.Add(float64(r.Findings))
	m.duration.Observe(took.Seconds())
}

// Settled counts a settled message; it is the consume loop's OnSettled.
func (m *Metrics) Settled(s events.Settlement, _ error, _ time.Duration) {
	m.settlements.WithLabelValues(string(s)).Inc()
}
