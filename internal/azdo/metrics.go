package azdo

import (
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Client's Prometheus metrics: every attempt by route,
// method and status, its latency, resends, and the time calls wait for the
// Client's limits (the rate, the concurrency bound and Azure DevOps'
// Retry-After pauses). One Metrics may serve several Clients: each series
// carries the org label of the Client that sent the request (see
// [Metrics.ForOrg]), never a value from a request or an answer, so the
// label has as many values as Clients were built.
type Metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	retries     *prometheus.CounterVec
	limiterWait *prometheus.HistogramVec
	fallbacks   *prometheus.CounterVec
	// org is the org label of this view ("": the Client's default, the
	// last segment of its organisation URL).
	org string
}

// LabelOrg is the label naming a Client's organisation on its metrics.
const LabelOrg = "org"

// ForOrg returns a view of m whose series carry org as the org label; the
// views share m's series. A Client given m itself labels with its
// organisation URL's last path segment (fabrikam for
// https://dev.azure.com/fabrikam).
func (m *Metrics) ForOrg(org string) *Metrics {
	if m == nil {
		return nil
	}
	v := *m
	v.org = org
	return &v
}

// Forget deletes the series of org, an organisation no Client serves any
// longer, so that a removed organisation leaves no label value behind.
func (m *Metrics) Forget(org string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{LabelOrg: org}
	m.requests.DeletePartialMatch(l)
	m.latency.DeletePartialMatch(l)
	m.retries.DeletePartialMatch(l)
	m.limiterWait.DeletePartialMatch(l)
	m.fallbacks.DeletePartialMatch(l)
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_azdo_requests_total",
			Help: "Requests sent to Azure DevOps (each attempt, resends included) by organisation (a configured one's name), method, route (ids replaced by {id}) and status code (\"error\": no answer, e.g. a timeout or a refused connection). A 429 is Azure's rate limit; 203 is its sign-in page.",
		}, []string{LabelOrg, "method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "azreviewer_azdo_request_duration_seconds",
			Help:    "Time from sending a request to Azure DevOps to its answer's headers, by organisation, method and route.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}, []string{LabelOrg, "method", "route"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_azdo_retries_total",
			Help: "Requests to Azure DevOps sent again after a retryable failure (429, 502, 503, 504, a timeout), by organisation, method and route.",
		}, []string{LabelOrg, "method", "route"}),
		limiterWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "azreviewer_azdo_limiter_wait_seconds",
			Help:    "Time a request to Azure DevOps waited before it was sent, by organisation: its client's rate and concurrency limits (one client per organisation and identity) and Azure DevOps' Retry-After pauses.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{LabelOrg}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_azdo_blob_fallbacks_total",
			Help: "File versions read one by one instead of in a bulk read of blobs, by organisation and reason: failed (the bulk request failed), too_large (the zip of one file's versions was over the bound), missing (the zip lacked the blob or its entry was unreadable), off (bulk reads turned off).",
		}, []string{LabelOrg, "reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.retries, m.limiterWait, m.fallbacks)
	}
	return m
}

// attempt records one request's answer (status 0: none came) and latency.
func (m *Metrics) attempt(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	m.requests.WithLabelValues(m.org, method, route, code).Inc()
	m.latency.WithLabelValues(m.org, method, route).Observe(took.Seconds())
}

// resent records a resend.
func (m *Metrics) resent(method, route string) {
	if m != nil {
		m.retries.WithLabelValues(m.org, method, route).Inc()
	}
}

// blobFallback records n file versions read one by one for reason.
func (m *Metrics) blobFallback(reason string, n int) {
	if m != nil && n > 0 {
		m.fallbacks.WithLabelValues(m.org, reason).Add(float64(n))
	}
}

// waited records the time a request waited for the limiter.
func (m *Metrics) waited(d time.Duration) {
	if m != nil {
		m.limiterWait.WithLabelValues(m.org).Observe(d.Seconds())
	}
}

// metricRoute is the route label of a request's route (see routeOf): the
// route, or "other" for a path outside Azure DevOps' REST API (a
// redirect's target, say), so that the label's values stay few.
func metricRoute(route string) string {
	if route == "_apis" || strings.HasPrefix(route, "_apis/") {
		return route
	}
	return "other"
}
