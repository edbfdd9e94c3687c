package azdo_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
)

// recordingBudget is a Budget that makes every spend wait `wait` and
// records what it was told (package budget is the real one, tested with
// JetStream there).
type recordingBudget struct {
	wait time.Duration

	mu       sync.Mutex
	costs    []float64
	observed []azdo.RateLimitHeaders
}

func (b *recordingBudget) Spend(_ context.Context, cost float64) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.costs = append(b.costs, cost)
	return b.wait, nil
}

func (b *recordingBudget) Observe(_ context.Context, h azdo.RateLimitHeaders) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.observed = append(b.observed, h)
}

// TestClientSpendsFromItsBudget: each request spends its estimated cost
// (a read 1, a write 2) before it is sent, its span says how long it
// waited for the budget, and every answer's throttling headers reach
// Observe.
func TestClientSpendsFromItsBudget(t *testing.T) {
	t.Parallel()
	bud := &recordingBudget{wait: 5 * time.Millisecond}
	f := newFixture(t, azdo.Config{Budget: bud}, nil)
	bud.mu.Lock()
	bud.costs, bud.observed = nil, nil // discovery and the warm-up read
	bud.mu.Unlock()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, parent := tp.Tracer("test").Start(t.Context(), "review")

	f.sim.Server.SlowDown(azdosim.RateLimit{Requests: 1, RetryAfter: time.Second})
	require.NoError(t, f.readPR(ctx))
	require.NoError(t, f.createThread(ctx))
	parent.End()

	bud.mu.Lock()
	defer bud.mu.Unlock()
	require.Equal(t, []float64{1, 2}, bud.costs, "a read, a write")
	require.Len(t, bud.observed, 2)
	slowed := bud.observed[0]
	require.True(t, slowed.Throttled())
	require.Equal(t, time.Second, slowed.RetryAfter)
	require.Equal(t, time.Second, slowed.Delay)
	require.True(t, slowed.HasLimit)
	require.Equal(t, 1.0, slowed.Remaining)
	require.False(t, bud.observed[1].Throttled())

	var waited int
	for _, s := range rec.Ended() {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			continue
		}
		require.InDelta(t, 5.0, attrs(s)["azdo.budget.wait_ms"].AsFloat64(), 0.001, s.Name())
		for _, e := range s.Events() {
			if e.Name == "azdo.budget.wait" {
				waited++
			}
		}
	}
	require.Equal(t, 2, waited, "both calls' spans carry the budget wait event")
}
