package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// BenchmarkStreamReady measures a readiness probe on an R3 stream of a
// 3-node cluster: "uncached" asks JetStream every time (the probe's own
// cost), "cached" is what a storm of /readyz probes costs; each reports
// the JetStream API requests it made per probe.
func BenchmarkStreamReady(b *testing.B) {
	cluster := eventstest.StartCluster(b, 3)
	js, err := jetstream.New(cluster.Connect())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// A cluster that has just met may not place an R3 stream yet.
	for try := 0; ; try++ {
		_, err := streams.EnsureReviews(ctx, js, streams.Config{Replicas: 3})
		if err == nil {
			break
		}
		if try == 150 {
			b.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	apiCalls := func() uint64 {
		info, err := js.AccountInfo(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return info.API.Total
	}
	for _, bc := range []struct {
		name  string
		ready func() app.ReadyFunc
	}{
		{"uncached", func() app.ReadyFunc { return nil }},
		{"cached", func() app.ReadyFunc { return app.StreamReady(js, fleet.Names{}.ReviewStream()) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			shared := bc.ready()
			before := apiCalls()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ready := shared
					if ready == nil {
						ready = app.StreamReady(js, fleet.Names{}.ReviewStream())
					}
					if err := ready(ctx); err != nil {
						b.Error(err)
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(apiCalls()-before-1)/float64(b.N), "api-calls/op")
		})
	}
}
