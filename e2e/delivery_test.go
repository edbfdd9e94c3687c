package e2e_test

// Delivery faults end to end: at-least-once delivery with idempotent
// effects (docs: shared design, "Delivery semantics"). Each test runs the
// real pieces on loopback — an embedded nats-server with file storage,
// ingest over HTTP, the worker (in-process or the real binary) talking to
// the Azure DevOps simulator through the SDK — breaks one thing, and counts
// what Azure DevOps ends up with: every finding's thread exactly once, one
// summary per reviewed iteration, nothing lost, nothing dead-lettered.

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

const hookToken = "delivery-hook-token-2f9d41"

// deliveryStream is the provisioning of these tests: a short AckWait so a
// killed worker's message is redelivered within seconds.
var deliveryStream = streams.Config{AckWait: 2 * time.Second, MaxDeliver: 10}

// rig is one simulated organisation, a file-storage nats-server on a fixed
// port, the provisioned streams and ingest.
type rig struct {
	sim     *azdotest.Sim
	broker  *apptest.Broker
	streams *apptest.Streams
	ingest  *apptest.Ingest
	cfg     streams.Config
}

func newRig(t *testing.T, cfg streams.Config) *rig {
	t.Helper()
	sim := azdotest.New(t)
	b := apptest.NewBroker(t)
	nc, err := b.Connect("e2e")
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	st, err := apptest.Provision(ctx, nc, cfg)
	require.NoError(t, err)
	in, err := apptest.StartIngest(st.JS, hookToken, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, in.Stop()) })
	return &rig{sim: sim, broker: b, streams: st, ingest: in, cfg: cfg}
}

// worker starts an in-process worker on the rig and stops it (checking it
// stopped cleanly) when the test ends.
func (r *rig) worker(t *testing.T, opts apptest.WorkerOptions) *apptest.Worker {
	t.Helper()
	opts.JS, opts.Stream, opts.OrgURL, opts.PAT = r.streams.JS, r.cfg, r.sim.Org.URL(), r.sim.PAT
	w, err := apptest.StartWorker(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, w.Stop(), "the worker's consume loop ends cleanly") })
	return w
}

func (r *rig) deliver(t *testing.T, body []byte) apptest.Delivery {
	t.Helper()
	d, err := r.ingest.Deliver(t.Context(), body)
	require.NoError(t, err)
	require.Equal(t, 202, d.Status, "ingest answer: %s", d.Body)
	return d
}

// deliverAll delivers the bodies concurrently.
func (r *rig) deliverAll(t *testing.T, bodies ...[]byte) []apptest.Delivery {
	t.Helper()
	out := make([]apptest.Delivery, len(bodies))
	errs := make([]error, len(bodies))
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() { out[i], errs[i] = r.ingest.Deliver(t.Context(), b) })
	}
	wg.Wait()
	for i := range bodies {
		require.NoError(t, errs[i])
		require.Equal(t, 202, out[i].Status, "ingest answer: %s", out[i].Body)
	}
	return out
}

// waitReviewed waits for the summary of iteration at head, then for the
// stream to settle (no message pending or unacknowledged), and returns the
// census of the pull request's threads.
func (r *rig) waitReviewed(t *testing.T, pr *azdosim.PullRequest, iteration int, head string) apptest.Census {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second)
	defer cancel()
	c, err := apptest.WaitCensus(ctx, pr, func(c apptest.Census) bool { return c.HasSummary(iteration, head) })
	require.NoError(t, err, "summary of iteration %d (%s)", iteration, c)
	require.NoError(t, r.streams.WaitSettled(ctx))
	return apptest.CensusOf(pr.Threads())
}

func (r *rig) requireNoDeadLetters(t *testing.T) {
	t.Helper()
	n, err := r.streams.DeadLetterCount(t.Context())
	require.NoError(t, err)
	require.Zero(t, n, "dead letters")
}

// requireOnce checks every finding of the pull request has exactly one
// thread and that the summaries are exactly want.
func requireOnce(t *testing.T, c apptest.Census, findings int, summaries ...string) {
	t.Helper()
	require.Zero(t, c.Duplicates(), "duplicate threads: %s", c)
	require.Len(t, c.Findings, findings, "one thread per finding: %s", c)
	want := map[string]int{}
	for _, s := range summaries {
		want[s] = 1
	}
	require.Equal(t, want, c.Summaries, "summaries")
}

// TestWorkerKilledMidReviewLeavesNoDuplicateThreads kills the real worker
// binary with SIGKILL while it posts a review's threads; the message is
// redelivered after AckWait to a second worker, which posts only what is
// missing.
func TestWorkerKilledMidReviewLeavesNoDuplicateThreads(t *testing.T) {
	t.Parallel()
	r := newRig(t, deliveryStream)
	const findings = 8
	base, head := apptest.Sources(t.Name(), 2, findings)
	pr := r.sim.NewPullRequest(base, head)
	bin := apptest.BuildWorkerT(t)

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	// Slow writes keep the first worker inside the review when it dies.
	r.sim.Server.Delay("git.threads.create", 250*time.Millisecond)
	first, err := apptest.StartWorkerProcess(ctx, apptest.ProcessOptions{
		Binary: bin, NATSURL: r.broker.URL, OrgURL: r.sim.Org.URL(), PAT: r.sim.PAT,
		AckWait: r.cfg.AckWait, MaxDeliver: r.cfg.MaxDeliver, LogPath: filepath.Join(t.TempDir(), "worker-1.log"),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = first.Kill() })

	r.deliver(t, pr.Event(azdosim.EventPullRequestCreated))
	_, err = pr.WaitThreads(ctx, 3)
	require.NoError(t, err)
	require.NoError(t, first.Kill())
	atKill := apptest.CensusOf(pr.Threads())
	require.Less(t, len(atKill.Findings), findings, "killed in the middle of posting: %s", atKill)
	require.Empty(t, atKill.Summaries, "killed before the summary")

	// The second worker shortens the lease TTL so the dead worker's lease
	// expires in seconds rather than the product's 45 s.
	r.sim.Server.Delay("git.threads.create", 0)
	second := r.worker(t, apptest.WorkerOptions{LeaseTTL: 3 * time.Second, Name: "second"})

	c := r.waitReviewed(t, pr, 1, pr.Head())
	requireOnce(t, c, findings, apptest.SummaryKey(1, pr.Head()))
	r.requireNoDeadLetters(t)

	var reviewed []apptest.Handled
	for _, h := range second.Handled() {
		if h.Report.Outcome == worker.OutcomeReviewed {
			reviewed = append(reviewed, h)
		}
	}
	require.Len(t, reviewed, 1, "the second worker reviewed the redelivered request once")
	rep := reviewed[0]
	require.GreaterOrEqual(t, rep.Delivery, uint64(2), "it was a redelivery")
	require.GreaterOrEqual(t, rep.Report.AlreadyPosted, len(atKill.Findings), "threads of the killed worker are recognised")
	require.Equal(t, findings, rep.Report.AlreadyPosted+rep.Report.ThreadsPosted)
}

// TestTransientAzureDevOpsFailures injects 429 with Retry-After, 5xx on
// reads and writes (before and after the write was applied) and latency;
// every review completes with each thread exactly once.
func TestTransientAzureDevOpsFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault func(s *azdosim.Server)
		// status is an answer the fault must have produced (0: none).
		status int
	}{
		{"429 with Retry-After", func(s *azdosim.Server) {
			s.RateLimit(azdosim.RateLimit{Requests: 3, RetryAfter: time.Second})
		}, 429},
		{"5xx on reads", func(s *azdosim.Server) {
			s.FailRequests("git.iterations.list", 2, 503, 0)
			s.FailRequests("git.items.get", 2, 502, 0)
			s.FailRequests("git.threads.list", 1, 500, 0)
		}, 503},
		{"500 on thread creation, not applied", func(s *azdosim.Server) {
			s.FailRequests("git.threads.create", 2, 500, 0)
		}, 500},
		{"500 after the thread was stored", func(s *azdosim.Server) {
			s.FailAfterApplying("git.threads.create", 2)
		}, 500},
		{"503 with Retry-After on every operation", func(s *azdosim.Server) {
			s.FailRequests("", 4, 503, time.Second)
		}, 503},
		{"latency", func(s *azdosim.Server) {
			s.Delay("", 20*time.Millisecond)
			s.Delay("git.items.get", 200*time.Millisecond)
			s.Delay("git.threads.create", 100*time.Millisecond)
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, deliveryStream)
			base, head := apptest.Sources(t.Name(), 2, 4)
			pr := r.sim.NewPullRequest(base, head)
			r.worker(t, apptest.WorkerOptions{})
			tt.fault(r.sim.Server)

			r.deliver(t, pr.Event(azdosim.EventPullRequestCreated))
			c := r.waitReviewed(t, pr, 1, pr.Head())
			requireOnce(t, c, 4, apptest.SummaryKey(1, pr.Head()))
			r.requireNoDeadLetters(t)
			if tt.status != 0 {
				answered := 0
				for _, req := range r.sim.Server.Requests() {
					if req.Status == tt.status {
						answered++
					}
				}
				require.Positive(t, answered, "the simulator answered %d", tt.status)
			}
		})
	}
}

// TestDuplicateDeliveriesAreReviewedOnce delivers the same webhook three
// times, the same push from two subscriptions (project- and repository-level:
// other subscriptionId, notificationId and event id) and an update that is
// not a push; each iteration is reviewed exactly once.
func TestDuplicateDeliveriesAreReviewedOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t, deliveryStream)
	base, head := apptest.Sources(t.Name(), 2, 3)
	pr := r.sim.NewPullRequest(base, head)
	r.sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestUpdated, URL: r.ingest.WebhookURL})
	repoSub := r.sim.Project.AddSubscription(azdosim.SubscriptionSpec{
		EventType: azdosim.EventPullRequestUpdated, URL: r.ingest.WebhookURL, Repository: r.sim.Repo,
	})
	tally := apptest.NewLogTally()
	w1 := r.worker(t, apptest.WorkerOptions{Tally: tally, Name: "w1"})
	w2 := r.worker(t, apptest.WorkerOptions{Tally: tally, Name: "w2"})

	created := pr.Event(azdosim.EventPullRequestCreated)
	answers := r.deliverAll(t, created, created, created)
	requireOneStored(t, answers)
	c := r.waitReviewed(t, pr, 1, pr.Head())
	requireOnce(t, c, 3, apptest.SummaryKey(1, pr.Head()))

	head2 := r.sim.Repo.Commit(apptest.Revise(head, 1))
	require.Equal(t, 2, pr.Push(head2))
	fromProject := pr.Event(azdosim.EventPullRequestUpdated)
	fromRepo := apptest.FromSubscription(fromProject, repoSub, 1, uuid.NewString())
	require.NotEqual(t, fromProject, fromRepo)
	answers = r.deliverAll(t, fromProject, fromRepo)
	requireOneStored(t, answers)
	r.waitReviewed(t, pr, 2, head2)

	// A vote or a title change: an update for the same source commit.
	vote := r.deliver(t, pr.Event(azdosim.EventPullRequestUpdated))
	require.True(t, vote.Duplicate, "an update without a push is the same request")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, r.streams.WaitSettled(ctx))

	c = apptest.CensusOf(pr.Threads())
	requireOnce(t, c, 4, apptest.SummaryKey(2, head2)) // one summary, updated in place
	require.Equal(t, 2, r.sim.Server.Count("git.pullRequests.get"), "one review per iteration reads the pull request once")
	require.Equal(t, 2, tally.Count(apptest.MsgReviewPosted), "reviews posted")
	require.Equal(t, 2, len(w1.Handled())+len(w2.Handled()), "messages handled")
	r.requireNoDeadLetters(t)
}

// requireOneStored checks that ingest accepted every delivery, stored the
// request once and answered the others as duplicates of it.
func requireOneStored(t *testing.T, answers []apptest.Delivery) {
	t.Helper()
	stored := 0
	for _, a := range answers {
		if !a.Duplicate {
			stored++
		}
		require.Equal(t, answers[0].MsgID, a.MsgID)
		require.Equal(t, answers[0].Sequence, a.Sequence)
	}
	require.Equal(t, 1, stored, "one delivery stored, the others duplicates: %+v", answers)
}

// TestCreatedAndUpdatedRace delivers created and updated for the same pull
// request concurrently, to two workers, in two shapes: both after the push
// (one review of the newest iteration, whatever order they arrive in), and
// the updated one for a push made while the created one is being reviewed
// (both iterations reviewed, the newest last).
func TestCreatedAndUpdatedRace(t *testing.T) {
	t.Parallel()
	r := newRig(t, deliveryStream)
	r.worker(t, apptest.WorkerOptions{Name: "w1"})
	r.worker(t, apptest.WorkerOptions{Name: "w2"})

	t.Run("both after the push", func(t *testing.T) {
		for i := range 4 {
			base, head := apptest.Sources(fmt.Sprint(t.Name(), i), 2, 3)
			pr := r.sim.NewPullRequest(base, head)
			created := pr.Event(azdosim.EventPullRequestCreated)
			head2 := r.sim.Repo.Commit(apptest.Revise(head, 1))
			pr.Push(head2)
			updated := pr.Event(azdosim.EventPullRequestUpdated)
			r.deliverAll(t, created, updated)
			c := r.waitReviewed(t, pr, 2, head2)
			requireOnce(t, c, 4, apptest.SummaryKey(2, head2))
		}
	})

	t.Run("a push during the review", func(t *testing.T) {
		base, head := apptest.Sources(t.Name(), 2, 6)
		pr := r.sim.NewPullRequest(base, head)
		r.sim.Server.Delay("git.threads.create", 150*time.Millisecond)
		r.deliver(t, pr.Event(azdosim.EventPullRequestCreated))
		_, err := pr.WaitThreads(t.Context(), 2)
		require.NoError(t, err)
		head2 := r.sim.Repo.Commit(apptest.Revise(head, 1))
		pr.Push(head2)
		r.deliverAll(t, pr.Event(azdosim.EventPullRequestUpdated), pr.Event(azdosim.EventPullRequestUpdated))
		r.sim.Server.Delay("git.threads.create", 0)
		c := r.waitReviewed(t, pr, 2, head2)
		requireOnce(t, c, 7, apptest.SummaryKey(2, head2)) // one summary, updated in place
		require.Len(t, pr.Statuses(), 2, "both iterations were reviewed")
	})
	r.requireNoDeadLetters(t)
}

// TestBrokerRestartBetweenPublishAndConsume accepts webhooks while no worker
// runs, restarts the nats-server (file storage, same port and directory),
// and only then starts the worker: the requests accepted before the restart
// are reviewed.
func TestBrokerRestartBetweenPublishAndConsume(t *testing.T) {
	t.Parallel()
	r := newRig(t, deliveryStream)
	var prs []*azdosim.PullRequest
	for i := range 3 {
		base, head := apptest.Sources(fmt.Sprint(t.Name(), i), 1, 2)
		pr := r.sim.NewPullRequest(base, head)
		prs = append(prs, pr)
		r.deliver(t, pr.Event(azdosim.EventPullRequestCreated))
	}
	info, err := r.streams.Stream.Info(t.Context())
	require.NoError(t, err)
	require.EqualValues(t, 3, info.State.Msgs, "stored before the restart")

	require.NoError(t, r.broker.Restart())

	// Ingest reconnects by itself; Azure DevOps retries a 503.
	late := r.sim.NewPullRequest(apptest.Sources(t.Name()+" late", 1, 2))
	prs = append(prs, late)
	deliverRetrying(t, r, late.Event(azdosim.EventPullRequestCreated))

	// The worker as the worker command configures and wires it.
	common, wc, err := apptest.WorkerFlags("--azdo-org-url", r.sim.Org.URL(), "--azdo-pat", r.sim.PAT,
		"--ack-wait", r.cfg.AckWait.String(), "--max-deliver", fmt.Sprint(r.cfg.MaxDeliver), "--shutdown-grace", "5s")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.RunWorker(ctx, common, wc,
			app.WorkerDeps{JS: r.streams.JS, Stream: r.streams.Stream, Registry: app.NewRegistry(), Log: slogDiscard()})
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	for _, pr := range prs {
		c := r.waitReviewed(t, pr, 1, pr.Head())
		requireOnce(t, c, 2, apptest.SummaryKey(1, pr.Head()))
	}
	r.requireNoDeadLetters(t)
}

// deliverRetrying delivers as Azure DevOps does after a 503: again, a few
// times, until ingest accepts.
func deliverRetrying(t *testing.T, r *rig, body []byte) apptest.Delivery {
	t.Helper()
	var last apptest.Delivery
	for range 10 {
		d, err := r.ingest.Deliver(t.Context(), body)
		require.NoError(t, err)
		if d.Accepted() {
			return d
		}
		require.Equal(t, 503, d.Status, "only 503 is worth retrying: %s", d.Body)
		last = d
	}
	t.Fatalf("ingest did not accept the delivery after 10 attempts: %d %s", last.Status, last.Body)
	return last
}

// TestOlderPushArrivingLateDoesNotHideNewerPush: the request for a push
// waits in the stream (no worker free) when a delivery for an older push,
// already reviewed, arrives late. The newest push must still be reviewed.
//
//   - "retry after a broker restart": Azure DevOps retries the created
//     delivery (as it does when an answer timed out) after the nats-server
//     restarted, which forgot the de-duplication ids of requests already
//     consumed; without the restart the retry is a duplicate.
//   - "created delivered after updated": the created event of iteration 1
//     arrives for the first time after iteration 2 was reviewed from its
//     updated event, while iteration 3's request waits.
func TestOlderPushArrivingLateDoesNotHideNewerPush(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// reviewedFirst is how many iterations exist, and are reviewed from
		// the newest one's event, before the late delivery.
		reviewedFirst int
		// lateIsRetry: the late delivery repeats one already delivered.
		lateIsRetry bool
		restart     bool
	}{
		{name: "retry of an accepted delivery", reviewedFirst: 1, lateIsRetry: true},
		{name: "retry after a broker restart", reviewedFirst: 1, lateIsRetry: true, restart: true},
		{name: "created delivered after updated", reviewedFirst: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, deliveryStream)
			base, tree := apptest.Sources(t.Name(), 2, 2)
			pr := r.sim.NewPullRequest(base, tree)
			created := pr.Event(azdosim.EventPullRequestCreated)
			event := created
			for it := 2; it <= tt.reviewedFirst; it++ {
				tree = apptest.Revise(tree, it)
				pr.Push(r.sim.Repo.Commit(tree))
				event = pr.Event(azdosim.EventPullRequestUpdated)
			}
			first := r.worker(t, apptest.WorkerOptions{Name: "first"})
			r.deliver(t, event)
			r.waitReviewed(t, pr, tt.reviewedFirst, pr.Head())
			require.NoError(t, first.Stop())

			// The newest push waits in the stream.
			newest := tt.reviewedFirst + 1
			tree = apptest.Revise(tree, newest)
			newestHead := r.sim.Repo.Commit(tree)
			require.Equal(t, newest, pr.Push(newestHead))
			r.deliver(t, pr.Event(azdosim.EventPullRequestUpdated))
			if tt.restart {
				require.NoError(t, r.broker.Restart())
			}
			late := deliverRetrying(t, r, created)
			t.Logf("late delivery of the created event: duplicate=%v stream_seq=%d", late.Duplicate, late.Sequence)

			second := r.worker(t, apptest.WorkerOptions{Name: "second"})
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			require.NoError(t, r.streams.WaitSettled(ctx))
			var handled []string
			for _, h := range second.Handled() {
				handled = append(handled, fmt.Sprintf("%s trigger=%s commit=%.8s outcome=%s %s", h.Subject, h.Trigger, h.SourceCommit, h.Report.Outcome, h.Report.Reason))
			}
			c := apptest.CensusOf(pr.Threads())
			require.True(t, c.HasSummary(newest, newestHead), "iteration %d (the newest push) is reviewed: %s; the worker handled %q", newest, c, handled)
			require.Zero(t, c.Duplicates(), "duplicate threads: %s", c)
			r.requireNoDeadLetters(t)
		})
	}
}

// TestPanickingMessageDoesNotTakeDownOthers: a handler that panics on one
// pull request's message, and a message no worker can decode, end in the
// dead-letter stream with their reason, while a worker handling one message
// at a time reviews every other pull request.
func TestPanickingMessageDoesNotTakeDownOthers(t *testing.T) {
	t.Parallel()
	cfg := deliveryStream
	cfg.MaxDeliver = 3
	r := newRig(t, cfg)
	var prs []*azdosim.PullRequest
	for i := range 4 {
		base, head := apptest.Sources(fmt.Sprint(t.Name(), i), 1, 2)
		prs = append(prs, r.sim.NewPullRequest(base, head))
	}
	poisoned := fleet.Names{}.ReviewSubjectPrefix() + strings.ToLower(r.sim.Repo.ID()) + fmt.Sprint(".", prs[1].ID())
	w := r.worker(t, apptest.WorkerOptions{Concurrency: 1, Wrap: func(next events.Handler) events.Handler {
		return func(ctx context.Context, msg jetstream.Msg) error {
			if msg.Subject() == poisoned {
				panic("injected panic for " + msg.Subject())
			}
			return next(ctx, msg)
		}
	}})

	_, err := r.streams.JS.Publish(t.Context(), fleet.Names{}.ReviewSubjectPrefix()+strings.ToLower(r.sim.Repo.ID())+".999", []byte("{not json"))
	require.NoError(t, err)
	for _, pr := range prs {
		r.deliver(t, pr.Event(azdosim.EventPullRequestCreated))
	}
	for i, pr := range prs {
		if i == 1 {
			continue
		}
		c := r.waitReviewed(t, pr, 1, pr.Head())
		requireOnce(t, c, 2, apptest.SummaryKey(1, pr.Head()))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, r.streams.WaitSettled(ctx))
	require.Empty(t, prs[1].Threads(), "the poisoned pull request got nothing")

	n, err := r.streams.DeadLetterCount(t.Context())
	require.NoError(t, err)
	require.EqualValues(t, 2, n, "the poisoned and the undecodable message")
	reasons := map[string]string{}
	for seq := uint64(1); seq <= n; seq++ {
		m, err := r.streams.DeadLetters.GetMsg(t.Context(), seq)
		require.NoError(t, err)
		reasons[m.Header.Get(deadletter.HeaderOriginalSubject)] = m.Header.Get(deadletter.HeaderError) + " after " + m.Header.Get(deadletter.HeaderDeliveries)
	}
	require.Contains(t, reasons[poisoned], "handler panicked: injected panic")
	require.Contains(t, reasons[poisoned], "after 3", "retried up to MaxDeliver")
	require.Contains(t, reasons[fleet.Names{}.ReviewSubjectPrefix()+strings.ToLower(r.sim.Repo.ID())+".999"], "decode review request")
	require.Equal(t, 2, w.Settled()[events.SettleDeadLetter])
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
