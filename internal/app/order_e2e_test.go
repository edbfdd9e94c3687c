package app_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestSupersededPushEventsCostNoAzureDevOpsCall runs push events through
// the production wiring (app.NewWorkerLoop consuming a real JetStream
// stream, the SDK against the simulator) and counts each handling's Azure
// DevOps calls:
//
//   - a burst: two pushes published before the worker takes the first;
//     its review reviews the newest iteration, and the second push's
//     event costs no call;
//   - the reviewed push's message delivered again (its acknowledgement
//     lost) costs no call;
//   - a force-push back to a reviewed commit, published after the review,
//     is checked against the iterations and its iteration reviewed, with
//     its status;
//   - the stream deleted and created again, whose sequences start again
//     at 1: a force-push back to a reviewed commit published into it is
//     reviewed, not taken for superseded.
func TestSupersededPushEventsCostNoAzureDevOpsCall(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	f := &orderFleet{sim: sim, pr: pr, cfg: streams.Config{Memory: true}}
	f.b = eventstest.Start(t, f.cfg)
	first := pr.Head()

	stop := f.start(t)
	f.publish(t, f.request(events.TriggerCreated, first), "")
	require.Equal(t, worker.OutcomeReviewed, f.wait(t, 1)[0].Report.Outcome)
	stop()

	// The burst: both pushes' events are queued before the worker takes
	// the first; the first one's message is delivered twice.
	a := sim.Repo.Commit(map[string]string{"/a.js": "let a = 1;\nconsole.log(a);\n"})
	pr.Push(a)
	b := sim.Repo.Commit(map[string]string{"/a.js": "let a = 2;\nconsole.log(a);\n"})
	pr.Push(b)
	pushA := f.publish(t, f.request(events.TriggerUpdated, a), "")
	pushB := f.publish(t, f.request(events.TriggerUpdated, b), "")
	f.failFirst = pushA
	f.start(t)
	got := f.wait(t, 4)
	reviewA, redelivered, skipB := f.of(t, got, pushA, 1), f.of(t, got, pushA, 2), f.of(t, got, pushB, 1)
	require.Equal(t, worker.OutcomeReviewed, reviewA.Report.Outcome, "push A's event reviews the newest iteration")
	require.Equal(t, 3, reviewA.Report.Iteration)
	for name, h := range map[string]handled{"push B's event": skipB, "push A's event delivered again": redelivered} {
		require.Equal(t, worker.OutcomeSkipped, h.Report.Outcome, name)
		require.Equal(t, worker.SkipAlreadyReviewed, h.Report.SkipCode, name)
		require.Zero(t, h.calls, "%s: Azure DevOps calls", name)
	}

	// A force-push back to a reviewed commit after the review: a later
	// message (past the duplicate window: it has an id of its own here).
	pr.Push(first)
	back := f.publish(t, f.request(events.TriggerUpdated, first), "force-push")
	h := f.of(t, f.wait(t, 5), back, 1)
	require.Equal(t, worker.OutcomeReviewed, h.Report.Outcome, "the force-push's iteration is reviewed")
	require.Equal(t, 4, h.Report.Iteration)
	require.True(t, f.hasStatus(4), "and gets its status")

	// The stream deleted and provisioned again: its sequences start at 1,
	// below the position the review state keeps.
	stop = f.running
	stop()
	ctx := context.Background()
	require.NoError(t, f.b.JS.DeleteStream(ctx, fleet.Names{}.ReviewStream()))
	_, err := streams.EnsureReviews(ctx, f.b.JS, f.cfg)
	require.NoError(t, err)
	pr.Push(a)
	again := f.publish(t, f.request(events.TriggerUpdated, a), "")
	require.EqualValues(t, 1, again, "the new stream numbers its messages from 1")
	f.start(t)
	h = f.of(t, f.wait(t, 6), again, 1)
	require.Equal(t, worker.OutcomeReviewed, h.Report.Outcome, "a message of the new stream is not taken for one the review read after")
	require.Equal(t, 5, h.Report.Iteration)
	require.True(t, f.hasStatus(5))
}

// orderFleet is a worker consuming the review stream of a real JetStream,
// one message at a time, each handling's Azure DevOps calls counted.
type orderFleet struct {
	sim *azdotest.Sim
	pr  *azdosim.PullRequest
	b   *eventstest.Bundle
	cfg streams.Config
	// failFirst, when set, is the sequence of a message whose first
	// delivery fails after its review, as a worker's that reviewed but
	// whose acknowledgement was lost.
	failFirst uint64
	// running stops the worker running.
	running func()

	mu      sync.Mutex
	calls   map[[2]uint64]int
	workers []*apptest.Worker
}

// handled is one handling of a message and the Azure DevOps calls it made.
type handled struct {
	apptest.Handled
	calls int
}

// start runs a worker built by app.NewWorkerLoop, as cmd/worker does; it
// stops when the test ends or when the returned function is called.
func (f *orderFleet) start(t *testing.T) (stop func()) {
	t.Helper()
	w, err := apptest.StartWorker(context.Background(), apptest.WorkerOptions{
		JS: f.b.JS, Stream: f.cfg, OrgURL: f.sim.Org.URL(), PAT: f.sim.PAT, Concurrency: 1,
		Backoff: func(uint64) time.Duration { return 50 * time.Millisecond },
		Wrap: func(next events.Handler) events.Handler {
			return func(ctx context.Context, msg jetstream.Msg) error {
				md, err := msg.Metadata()
				if err != nil {
					return err
				}
				before := len(f.sim.Server.Requests())
				err = next(ctx, msg)
				calls := len(f.sim.Server.Requests()) - before
				f.mu.Lock()
				defer f.mu.Unlock()
				if f.calls == nil {
					f.calls = map[[2]uint64]int{}
				}
				f.calls[[2]uint64{md.Sequence.Stream, md.NumDelivered}] = calls
				if err == nil && md.Sequence.Stream == f.failFirst && md.NumDelivered == 1 {
					return errors.New("the acknowledgement was lost")
				}
				return err
			}
		},
	})
	require.NoError(t, err)
	var once sync.Once
	stop = func() { once.Do(func() { require.NoError(t, w.Stop()) }) }
	t.Cleanup(stop)
	f.mu.Lock()
	f.workers = append(f.workers, w)
	f.mu.Unlock()
	f.running = stop
	return stop
}

func (f *orderFleet) request(trigger events.Trigger, commit string) *events.ReviewRequest {
	return &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: trigger, EventID: "e-" + commit,
		ProjectID: f.sim.Project.ID(), RepositoryID: f.sim.Repo.ID(), PullRequestID: f.pr.ID(), SourceCommit: commit,
	}
}

// publish stores req in the review stream and returns its sequence: as
// ingest does, or with its own message id when id is set.
func (f *orderFleet) publish(t *testing.T, req *events.ReviewRequest, id string) uint64 {
	t.Helper()
	ctx := context.Background()
	if id == "" {
		pub, err := events.NewPublisher(f.b.JS, fleet.Names{}).Publish(ctx, req)
		require.NoError(t, err)
		require.False(t, pub.Duplicate)
		return pub.Sequence
	}
	data, err := req.Marshal()
	require.NoError(t, err)
	ack, err := f.b.JS.Publish(ctx, req.Subject(fleet.Names{}), data, jetstream.WithMsgID(req.MsgID()+":"+id))
	require.NoError(t, err)
	return ack.Sequence
}

// wait waits for n handlings, across the workers started, and returns
// them with their calls.
func (f *orderFleet) wait(t *testing.T, n int) []handled {
	t.Helper()
	var out []handled
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		out = out[:0]
		for _, w := range f.workers {
			for _, h := range w.Handled() {
				out = append(out, handled{Handled: h, calls: f.calls[[2]uint64{h.Sequence, h.Delivery}]})
			}
		}
		return len(out) >= n
	}, 30*time.Second, 10*time.Millisecond, "%d messages handled", n)
	return out
}

// of is the latest handling of message seq's delivery in got (a stream
// created again numbers its messages again).
func (f *orderFleet) of(t *testing.T, got []handled, seq, delivery uint64) handled {
	t.Helper()
	for _, h := range slices.Backward(got) {
		if h.Sequence == seq && h.Delivery == delivery {
			require.NoError(t, h.Err)
			return h
		}
	}
	require.Failf(t, "not handled", "message %d, delivery %d, among %+v", seq, delivery, got)
	return handled{}
}

// hasStatus reports whether iteration has a status.
func (f *orderFleet) hasStatus(iteration int) bool {
	for _, s := range f.pr.Statuses() {
		if s.IterationId != nil && *s.IterationId == iteration {
			return true
		}
	}
	return false
}
