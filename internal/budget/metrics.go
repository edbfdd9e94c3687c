package budget

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// Metrics are the budgets' Prometheus metrics, by org label (a configured
// organisation's name, never a value from a request), so bounded by the
// organisations configured.
type Metrics struct {
	size     *prometheus.GaugeVec
	spent    *prometheus.CounterVec
	leased   *prometheus.CounterVec
	wait     *prometheus.HistogramVec
	waits    *prometheus.CounterVec
	pauses   *prometheus.CounterVec
	fallback *prometheus.CounterVec
	org      string
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	l := []string{azdo.LabelOrg}
	m := &Metrics{
		size: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "azreviewer_azdo_budget_units",
			Help: "The identity-wide Azure DevOps budget in estimated TSTU units per window, as adapted to Azure's rate-limit headers, by organisation."}, l),
		spent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "azreviewer_azdo_budget_spent_units_total",
			Help: "Estimated TSTU units this process spent from the identity-wide budget, by organisation."}, l),
		leased: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "azreviewer_azdo_budget_leased_units_total",
			Help: "Units this process leased from the identity-wide budget (slices), by organisation."}, l),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "azreviewer_azdo_budget_wait_seconds",
			Help:    "Time a request waited for the identity-wide budget, by organisation.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}}, l),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "azreviewer_azdo_budget_full_total",
			Help: "Leases refused because the identity's budget for the window was spent, by organisation."}, l),
		pauses: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "azreviewer_azdo_budget_pauses_total",
			Help: "Fleet-wide pauses (a Retry-After seen by any process of the identity) this process took, by organisation."}, l),
		fallback: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "azreviewer_azdo_budget_fallback_total",
			Help: "Requests spent from the conservative local share because no slice could be leased (NATS slow or unreachable), by organisation."}, l),
	}
	if reg != nil {
		reg.MustRegister(m.size, m.spent, m.leased, m.wait, m.waits, m.pauses, m.fallback)
	}
	return m
}

func (m *Metrics) forOrg(org string) *Metrics {
	if m == nil {
		return nil
	}
	v := *m
	v.org = org
	return &v
}

// Forget deletes org's series.
func (m *Metrics) Forget(org string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{azdo.LabelOrg: org}
	m.size.DeletePartialMatch(l)
	m.spent.DeletePartialMatch(l)
	m.leased.DeletePartialMatch(l)
	m.wait.DeletePartialMatch(l)
	m.waits.DeletePartialMatch(l)
	m.pauses.DeletePartialMatch(l)
	m.fallback.DeletePartialMatch(l)
}

func (m *Metrics) setSize(units float64) {
	if m != nil {
		m.size.WithLabelValues(m.org).Set(units)
	}
}

func (m *Metrics) scaled(units float64) { m.setSize(units) }

func (m *Metrics) spend(units float64, waited time.Duration) {
	if m == nil {
		return
	}
	m.spent.WithLabelValues(m.org).Add(units)
	if waited > 0 {
		m.wait.WithLabelValues(m.org).Observe(waited.Seconds())
	}
}

func (m *Metrics) lease(units float64) {
	if m != nil {
		m.leased.WithLabelValues(m.org).Add(units)
	}
}

func (m *Metrics) waitedForRoom() {
	if m != nil {
		m.waits.WithLabelValues(m.org).Inc()
	}
}

func (m *Metrics) paused() {
	if m != nil {
		m.pauses.WithLabelValues(m.org).Inc()
	}
}

func (m *Metrics) fellBack() {
	if m != nil {
		m.fallback.WithLabelValues(m.org).Inc()
	}
}
