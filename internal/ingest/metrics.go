package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	webhooks *prometheus.CounterVec
	inFlight prometheus.Gauge
	publish  *prometheus.HistogramVec
	// counted and published are the series of webhooks and publish, looked
	// up once: every label value they take is known here.
	counted   map[webhookLabels]prometheus.Counter
	published map[string]prometheus.Observer
}

// webhookLabels are the labels of azreviewer_ingest_webhooks_total.
type webhookLabels struct{ event, outcome string }

// delivery counts a delivery: event is an event label (see eventLabel).
func (m *metrics) delivery(event, outcome string) {
	if c, ok := m.counted[webhookLabels{event, outcome}]; ok {
		c.Inc()
		return
	}
	m.webhooks.WithLabelValues(event, outcome).Inc()
}

// publishTook records how long a publish with that result took.
func (m *metrics) publishTook(result string, seconds float64) {
	if o, ok := m.published[result]; ok {
		o.Observe(seconds)
		return
	}
	m.publish.WithLabelValues(result).Observe(seconds)
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_ingest_webhooks_total",
			Help: "Service-hook deliveries received, by event type and outcome (accepted, duplicate, ignored, unauthorized, bad_request, too_large, timeout, busy, queue_full, unavailable).",
		}, []string{"event_type", "outcome"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "azreviewer_ingest_deliveries_in_flight",
			Help: "Authenticated deliveries being read, parsed or published now (bounded by the in-flight memory limit).",
		}),
		publish: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "azreviewer_ingest_publish_duration_seconds",
			Help:    "Time from publishing a review request to JetStream's answer, by result (stored, duplicate, failed): what JetStream adds to a webhook's answer.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.webhooks, m.inFlight, m.publish)
	}
	m.published = make(map[string]prometheus.Observer, 3)
	for _, r := range []string{publishStored, publishDuplicate, publishFailed} {
		m.published[r] = m.publish.WithLabelValues(r)
	}
	// Every outcome of every event type counted has its series from the
	// start, so an alert on increase() sees the first one.
	m.counted = make(map[webhookLabels]prometheus.Counter, len(eventLabels)*len(outcomes))
	for _, e := range eventLabels {
		for _, o := range outcomes {
			m.counted[webhookLabels{e, o}] = m.webhooks.WithLabelValues(e, o)
		}
	}
	return m
}

// Results of a publish, the labels of azreviewer_ingest_publish_duration_seconds.
const (
	publishStored    = "stored"
	publishDuplicate = "duplicate"
	publishFailed    = "failed"
)
