package worker_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// sweepFleet is a simulator, a JetStream stream with the fleet's
// coordination, a client, and a worker factory sharing them.
type sweepFleet struct {
	sim    *azdotest.Sim
	b      *eventstest.Bundle
	coord  *coordination.Store
	client *azdo.Client
}

func newSweepFleet(t *testing.T, stream streams.Config) *sweepFleet {
	t.Helper()
	sim := azdotest.New(t)
	b := eventstest.Start(t, stream)
	coord, err := coordination.Ensure(context.Background(), b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT})
	require.NoError(t, err)
	return &sweepFleet{sim: sim, b: b, coord: coord, client: client}
}

// worker returns a new worker of the fleet.
func (f *sweepFleet) worker(t *testing.T) *worker.Worker {
	t.Helper()
	w, err := worker.New(worker.Config{OrgURL: f.sim.Org.URL(), Coordinator: f.coord, LeaseRefresh: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}, f.client, nil)
	require.NoError(t, err)
	return w
}

// TestSweepRecoversALostWebhook: of two active pull requests, one reviewed
// from its webhook and one whose webhook never came, the sweep enqueues the
// second only, through JetStream; the worker reviews it once; the next
// sweep enqueues nothing, and a sweep another worker runs is skipped.
func TestSweepRecoversALostWebhook(t *testing.T) {
	t.Parallel()
	fleet := newSweepFleet(t, streams.Config{Memory: true})
	sim, b, coord, client := fleet.sim, fleet.b, fleet.coord, fleet.client
	delivered := sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	lost := sim.NewPullRequest(map[string]string{"/b.js": "let b;\n"}, map[string]string{"/b.js": "let b;\ndebugger;\n"})
	w := fleet.worker(t)
	ctx := context.Background()

	_, err := w.Review(ctx, &events.ReviewRequest{Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "hook",
		ProjectID: sim.Project.ID(), RepositoryID: sim.Repo.ID(), PullRequestID: delivered.ID(), SourceCommit: delivered.Head()})
	require.NoError(t, err)

	pub := events.NewPublisher(b.JS, streams.Config{}.Fleet)
	res, err := w.Sweep(ctx, client, pub)
	require.NoError(t, err)
	require.Equal(t, worker.SweepResult{Projects: 1, PullRequests: 2, Enqueued: 1}, res)
	again, err := w.Sweep(ctx, client, pub)
	require.NoError(t, err)
	require.Equal(t, 1, again.Duplicates, "still queued: the same message id")

	batch, err := b.Consumer.Fetch(5, jetstream.FetchMaxWait(2*time.Second))
	require.NoError(t, err)
	var reqs []*events.ReviewRequest
	for m := range batch.Messages() {
		req, err := events.UnmarshalRequest(m.Data())
		require.NoError(t, err)
		reqs = append(reqs, req)
		require.NoError(t, m.Ack())
	}
	require.Len(t, reqs, 1, "one message for the lost pull request")
	require.Equal(t, lost.ID(), reqs[0].PullRequestID)
	require.Equal(t, events.TriggerSweep, reqs[0].Trigger)
	rep, err := w.Review(ctx, reqs[0])
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
	require.Equal(t, 1, rep.ThreadsPosted)

	after, err := w.Sweep(ctx, client, pub)
	require.NoError(t, err)
	require.Equal(t, worker.SweepResult{Projects: 1, PullRequests: 2}, after, "both reviewed: nothing to enqueue")

	held, err := coord.Acquire(ctx, worker.SweepKey(sim.Org.URL()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = held.Release(context.Background()) })
	skipped, err := w.Sweep(ctx, client, pub)
	require.NoError(t, err)
	require.NotEmpty(t, skipped.Skipped, "another worker is sweeping")
}

// TestSweepStopsAtAFullQueue: with the review stream at its limit, the
// sweep stops at the first refusal rather than trying, and reporting, every
// remaining pull request; the next sweep enqueues the rest.
func TestSweepStopsAtAFullQueue(t *testing.T) {
	t.Parallel()
	fleet := newSweepFleet(t, streams.Config{Memory: true, MaxMsgs: 1})
	sim, b, client := fleet.sim, fleet.b, fleet.client
	for i := range 4 {
		sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": strings.Repeat("let a;\n", i+2)})
	}
	w := fleet.worker(t)

	res, err := w.Sweep(context.Background(), client, events.NewPublisher(b.JS, streams.Config{}.Fleet))
	var full *events.QueueFullError
	require.True(t, errors.As(err, &full), "%v", err)
	require.Equal(t, 1, strings.Count(err.Error(), "queue is full"), "one refusal: %v", err)
	require.Equal(t, 1, res.Enqueued)
	require.Less(t, res.PullRequests, 4, "the rest is left to the next sweep")
}

// cancelAfterListing lists the projects three times over, then ends the
// sweep's context, as a shutdown would.
type cancelAfterListing struct {
	worker.SweepLister
	cancel context.CancelFunc
}

func (l cancelAfterListing) Projects(ctx context.Context) ([]azdo.Project, error) {
	ps, err := l.SweepLister.Projects(ctx)
	l.cancel()
	return append(append(ps, ps...), ps...), err
}

// TestSweepStopsWhenItsContextEnds: a sweep shut down midway stops at the
// first failure instead of failing alike on every remaining project.
func TestSweepStopsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	fleet := newSweepFleet(t, streams.Config{Memory: true})
	sim, b, client := fleet.sim, fleet.b, fleet.client
	sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nlet b;\n"})
	w := fleet.worker(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := w.Sweep(ctx, cancelAfterListing{SweepLister: client, cancel: cancel}, events.NewPublisher(b.JS, streams.Config{}.Fleet))
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, strings.Count(err.Error(), "project "), "one failure: %v", err)
}

// TestFleetSweepsOnceAnInterval: workers that each sweep every interval
// share one sweep an interval — the second finds the fleet swept recently
// and lists nothing — while an explicit Sweep always runs.
func TestFleetSweepsOnceAnInterval(t *testing.T) {
	t.Parallel()
	fleet := newSweepFleet(t, streams.Config{Memory: true})
	sim, b, client := fleet.sim, fleet.b, fleet.client
	sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\ndebugger;\n"})
	first, second := fleet.worker(t), fleet.worker(t)
	pub, ctx := events.NewPublisher(b.JS, streams.Config{}.Fleet), context.Background()

	res, err := first.SweepEvery(ctx, time.Hour, client, pub)
	require.NoError(t, err)
	require.Empty(t, res.Skipped)
	require.Equal(t, 1, res.Enqueued)
	listings := sim.Server.Count("core.projects.list")
	res, err = second.SweepEvery(ctx, time.Hour, client, pub)
	require.NoError(t, err)
	require.Contains(t, res.Skipped, "the fleet swept")
	require.Equal(t, listings, sim.Server.Count("core.projects.list"), "no listing")
	res, err = second.Sweep(ctx, client, pub)
	require.NoError(t, err)
	require.Empty(t, res.Skipped)
	require.Equal(t, 1, res.Duplicates, "an explicit sweep runs; its request is already queued")
}
