package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	webhooks *prometheus.CounterVec
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_ingest_webhooks_total",
			Help: "Service-hook deliveries received, by event type and outcome (accepted, duplicate, ignored, unauthorized, bad_request, too_large, timeout, busy, queue_full, unavailable).",
		}, []string{"event_type", "outcome"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "azreviewer_ingest_deliveries_in_flight",
			Help: "Authenticated deliveries being read, parsed or published now (bounded by INGEST_MAX_IN_FLIGHT_BYTES).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.webhooks, m.inFlight)
	}
	return m
}
