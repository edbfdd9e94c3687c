package provision_test

import (
	"context"
	"testing"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// BenchmarkStartUp compares a worker's start-up against JetStream: the
// check it does now, with the create-or-update of every resource it did
// before (the baseline), on one embedded server.
func BenchmarkStartUp(b *testing.B) {
	cfg := streams.Config{Memory: true}
	bundle := eventstest.Start(b, cfg)
	ctx := context.Background()
	b.Run("check", func(b *testing.B) {
		for b.Loop() {
			if err := provision.Check(ctx, bundle.JS, provision.Config{Stream: cfg}, provision.WorkerScope); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("create or update (before)", func(b *testing.B) {
		for b.Loop() {
			st, err := streams.EnsureReviews(ctx, bundle.JS, cfg)
			if err == nil {
				_, err = st.CreateOrUpdateConsumer(ctx, streams.Consumer(cfg))
			}
			if err == nil {
				_, err = streams.EnsureDeadLetters(ctx, bundle.JS, cfg)
			}
			if err == nil {
				_, err = coordination.Ensure(ctx, bundle.JS, cfg, coordination.Config{})
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
