package worker_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestReviewGoesOnWithoutTheStreamPosition: when the review stream's
// position cannot be read (the connection it is read on is closed), the
// review goes on and keeps none, and the next push event of a reviewed
// commit is checked against the iterations (one call) rather than skipped
// on a position not read.
func TestReviewGoesOnWithoutTheStreamPosition(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	nc, err := c.b.Server.Connect()
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	st, err := js.Stream(context.Background(), c.b.Stream.CachedInfo().Config.Name)
	require.NoError(t, err)
	nc.Close()
	client, err := azdo.New(azdo.Config{OrgURL: c.sim.Org.URL(), PAT: c.sim.PAT})
	require.NoError(t, err)
	w, err := worker.New(worker.Config{OrgURL: c.sim.Org.URL(), Coordinator: c.coord, Positions: streams.NewStreamPositions(st),
		Logger: slog.New(slog.DiscardHandler)}, client, nil)
	require.NoError(t, err)

	push := c.publish(t, c.request(events.TriggerUpdated, c.pr.Head()))
	rep, err := w.Review(context.Background(), push)
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeReviewed, rep.Outcome, "reviewed without the position")
	state, err := c.coord.LoadReviewed(context.Background(), coordination.Key(c.sim.Repo.ID(), c.pr.ID()))
	require.NoError(t, err)
	require.Equal(t, 1, state.Iteration)
	require.Nil(t, state.Seen, "no position kept")

	before := len(c.sim.Server.Requests())
	rep, err = w.Review(context.Background(), push)
	require.NoError(t, err)
	require.Equal(t, worker.SkipAlreadyReviewed, rep.SkipCode)
	require.Equal(t, 1, len(c.sim.Server.Requests())-before, "checked against the iterations")
}

// TestStreamPositionKeptIsOfTheIterationsRead: the position a review
// keeps is the stream's just before it read the iterations it reviewed,
// and a later review keeps the later one.
func TestStreamPositionKeptIsOfTheIterationsRead(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	w := c.new(t)
	key := coordination.Key(c.sim.Repo.ID(), c.pr.ID())
	ctx := context.Background()
	created := c.publish(t, c.request(events.TriggerCreated, c.pr.Head()))
	_, err := w.Review(ctx, created)
	require.NoError(t, err)
	state, err := c.coord.LoadReviewed(ctx, key)
	require.NoError(t, err)
	require.NotNil(t, state.Seen)
	require.Equal(t, created.Delivery.Sequence, state.Seen.Sequence)
	require.Equal(t, created.Delivery.Stream, state.Seen.Stream)
	require.False(t, state.Seen.At.Before(created.Delivery.Stored), "read after the message was stored")

	next := c.sim.Repo.Commit(map[string]string{"/a.js": "let a = 1;\nconsole.log(a);\n"})
	c.pr.Push(next)
	push := c.publish(t, c.request(events.TriggerUpdated, next))
	c.publish(t, c.request(events.TriggerUpdated, "0123456789abcdef0123456789abcdef01234567")) // another event queued behind it
	_, err = w.Review(ctx, push)
	require.NoError(t, err)
	later, err := c.coord.LoadReviewed(ctx, key)
	require.NoError(t, err)
	require.Equal(t, 2, later.Iteration)
	require.Equal(t, push.Delivery.Sequence+1, later.Seen.Sequence, "the stream's last message when the iterations were read")
	require.True(t, later.Seen.Created.Equal(state.Seen.Created))
}

// TestPushDuringTheReviewWaitedForIsChecked: a push event that waited for
// the lease while another review ran, and whose commit that review
// covered, is checked against the iterations once the lease is taken —
// the branch may have been force-pushed back to that commit after the
// other review read its iterations — and the newer iteration is reviewed.
func TestPushDuringTheReviewWaitedForIsChecked(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	first := c.pr.Head()
	ctx := context.Background()
	_, err := c.new(t).Review(ctx, c.request(events.TriggerCreated, first))
	require.NoError(t, err)
	b := c.sim.Repo.Commit(map[string]string{"/a.js": "let a = 1;\nconsole.log(a);\n"})
	c.pr.Push(b)
	commitC := c.sim.Repo.Commit(map[string]string{"/a.js": "let a = 2;\nconsole.log(a);\n"})
	c.pr.Push(commitC)

	// Another worker's review of iteration 3 holds the lease.
	key := coordination.Key(c.sim.Repo.ID(), c.pr.ID())
	lease, err := c.coord.Acquire(ctx, key)
	require.NoError(t, err)
	tried := make(chan struct{})
	client, err := azdo.New(azdo.Config{OrgURL: c.sim.Org.URL(), PAT: c.sim.PAT})
	require.NoError(t, err)
	w, err := worker.New(worker.Config{OrgURL: c.sim.Org.URL(), Coordinator: &signalling{Store: c.coord, tried: tried},
		LeaseRefresh: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	require.NoError(t, err)
	// A force-push back to b after that review read its iterations; its
	// event finds b not reviewed yet and waits for the lease.
	c.pr.Push(b)
	type result struct {
		rep worker.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := w.Review(ctx, c.request(events.TriggerUpdated, b))
		done <- result{rep, err}
	}()
	<-tried
	// That review ends: it remembers iteration 3, which covers b.
	state, err := c.coord.LoadReview(ctx, key)
	require.NoError(t, err)
	state.Iteration, state.SourceCommit, state.Covered = 3, commitC, []string{first, b, commitC}
	require.NoError(t, c.coord.SaveReview(ctx, key, state))
	require.NoError(t, lease.Release(ctx))

	got := <-done
	require.NoError(t, got.err)
	require.Equal(t, worker.OutcomeReviewed, got.rep.Outcome, "the force-push's iteration is reviewed")
	require.Equal(t, 4, got.rep.Iteration)
}

// signalling is a Coordinator that closes tried when a lease is first
// asked for.
type signalling struct {
	*coordination.Store
	tried chan struct{}
	asked bool
}

func (s *signalling) Acquire(ctx context.Context, key string) (*coordination.Lease, error) {
	if !s.asked {
		s.asked = true
		close(s.tried)
	}
	return s.Store.Acquire(ctx, key)
}
