package worker

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the worker's Prometheus metrics.
type Metrics struct {
	reviews  *prometheus.CounterVec
	threads  prometheus.Counter
	findings prometheus.Counter
	duration prometheus.Histogram
}

// NewMetrics creates the worker's metrics and registers them with reg
// (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reviews: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_reviews_total",
			Help: "Review requests handled, by outcome (reviewed, skipped, failed).",
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
	if reg != nil {
		reg.MustRegister(m.reviews, m.threads, m.findings, m.duration)
	}
	for _, o := range []Outcome{OutcomeReviewed, OutcomeSkipped, OutcomeFailed} {
		m.reviews.WithLabelValues(string(o))
	}
	return m
}

func (m *Metrics) observe(r Report, took time.Duration) {
	m.reviews.WithLabelValues(string(r.Outcome)).Inc()
	m.threads.Add(float64(r.ThreadsPosted))
	m.findings.Add(float64(r.Findings))
	m.duration.Observe(took.Seconds())
}
