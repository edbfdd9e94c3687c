package ingest

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	webhooks *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "azreviewer_ingest_webhooks_total",
			Help: "Service-hook deliveries received, by event type and outcome (accepted, duplicate, ignored, unauthorized, bad_request, too_large, unavailable).",
		}, []string{"event_type", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.webhooks)
	}
	return m
}
