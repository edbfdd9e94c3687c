package azdo_test

import (
	"context"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// BenchmarkClientReads measures pull-request reads per second through the
// whole stack (SDK, retrier, limiter, otelhttp, transport) against the
// simulator on loopback, with the limiter off and on, one caller at a time
// and 8 callers per CPU. "on" keeps the default 8 requests in flight but a
// rate too high to bind, so the figure is the limiter's overhead, not its
// limit (with 8 callers per CPU the concurrency bound does bind).
func BenchmarkClientReads(b *testing.B) {
	for _, bc := range []struct {
		name string
		cfg  azdo.Config
	}{
		{"limiter=off", azdo.Config{MaxConcurrent: -1, RequestsPerSecond: -1}},
		{"limiter=on", azdo.Config{RequestsPerSecond: 1e9}},
	} {
		b.Run(bc.name+"/serial", func(b *testing.B) {
			f := newFixture(b, bc.cfg, nil)
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				if err := f.readPR(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
		b.Run(bc.name+"/parallel", func(b *testing.B) {
			f := newFixture(b, bc.cfg, nil)
			ctx := context.Background()
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := f.readPR(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
		})
	}
}
