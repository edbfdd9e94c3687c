package worker_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestSkipAfterACallIsLabelledByIterations: a push event checked against
// the iterations at the gate (one call: the state kept no position), which
// then waits for the lease while another review covers it and keeps a
// position, is skipped in load as decided by "newest_iteration", not
// "stream_order" — which docs/traces.md says costs no Azure DevOps call
// under the span — since the gate's iterations call is under it.
func TestSkipAfterACallIsLabelledByIterations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	client, err := azdo.New(azdo.Config{OrgURL: c.sim.Org.URL(), PAT: c.sim.PAT})
	require.NoError(t, err)
	// An earlier release (or a review that could not read the position):
	// no position kept.
	old, err := worker.New(worker.Config{OrgURL: c.sim.Org.URL(), Coordinator: c.coord, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	require.NoError(t, err)
	first := c.pr.Head()
	_, err = old.Review(ctx, c.request(events.TriggerCreated, first))
	require.NoError(t, err)
	second := c.sim.Repo.Commit(map[string]string{"/a.js": "let a = 1;\nconsole.log(a);\n"})
	c.pr.Push(second)
	late := c.publish(t, c.request(events.TriggerUpdated, first))

	key := coordination.Key(c.sim.Repo.ID(), c.pr.ID())
	lease, err := c.coord.Acquire(ctx, key)
	require.NoError(t, err)
	tried := make(chan struct{})
	w, err := worker.New(worker.Config{OrgURL: c.sim.Org.URL(), Coordinator: &signalling{Store: c.coord, tried: tried},
		Positions: streams.NewStreamPositions(c.b.Stream), LeaseRefresh: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	require.NoError(t, err)
	rec := tracetest.NewSpanRecorder()
	w.SetTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test"))
	before := len(c.sim.Server.Requests())
	type result struct {
		rep worker.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := w.Review(ctx, late)
		done <- result{rep, err}
	}()
	<-tried
	// The review holding the lease reviews iteration 2 and keeps the
	// position read before its iterations.
	pos, err := streams.NewStreamPositions(c.b.Stream).Position(ctx)
	require.NoError(t, err)
	state, err := c.coord.LoadReview(ctx, key)
	require.NoError(t, err)
	state.Iteration, state.SourceCommit, state.Covered, state.Seen = 2, second, []string{first, second}, &pos
	require.NoError(t, c.coord.SaveReview(ctx, key, state))
	require.NoError(t, lease.Release(ctx))
	got := <-done
	require.NoError(t, got.err)
	require.Equal(t, worker.SkipAlreadyReviewed, got.rep.SkipCode)
	calls := c.sim.Server.Requests()[before:]
	spans := rec.Ended()
	review := spans[len(spans)-1]
	require.Len(t, calls, 1, "the gate's iterations list")
	require.Equal(t, "git.iterations.list", calls[0].Operation)
	require.Equal(t, "newest_iteration", attr(review, "azreviewer.skip_decided_by"))
}
