package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	webhooks *prometheus.CounterVec
	inFlight prometheus.Gauge
	publish  *prometheus.HistogramVec
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
	for _, r := range []string{publishStored, publishDuplicate, publishFailed} {
		m.publish.WithLabelValues(r)
	}
	// Every outcome of every event type counted has its series from the
	// start, so an alert on increase() sees the first one.
	for _, e := range eventLabels {
		for _, o := range outcomes {
			m.webhooks.WithLabelValues(e, o)
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
