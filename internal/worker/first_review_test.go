package worker_test

import (
	"cmp"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// testSkew is the StateClockSkew of the tests of a new pull request: the
// simulator's creationDate and the NATS server's epoch are both taken from
// this machine's clock, so a pull request created after the epoch is later
// by it.
const testSkew = time.Nanosecond

// newFleet is a fleet that has reviewed before — its state bucket has its
// epoch — and a pull request created after that, with the fleet's JetStream
// to lose the states with.
func newFleet(t *testing.T, base, head map[string]string) (*history, jetstream.JetStream) {
	t.Helper()
	ctx := context.Background()
	sim := azdotest.New(t)
	b := eventstest.Start(t, streams.Config{Memory: true})
	store, err := coordination.Ensure(ctx, b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	_, err = store.StateEpoch(ctx)
	require.NoError(t, err)
	pr := sim.NewPullRequest(base, head)
	client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT})
	require.NoError(t, err)
	return &history{sim: sim, pr: pr, store: store, client: client}, b.JS
}

// window sets the worker's FirstReviewWindow.
func window(d time.Duration) func(*worker.Config) {
	return func(c *worker.Config) { c.FirstReviewWindow = d }
}

// skew sets the worker's StateClockSkew.
func skew(d time.Duration) func(*worker.Config) {
	return func(c *worker.Config) { c.StateClockSkew = d }
}

// summariesOf counts azreviewer's summary threads on pr.
func summariesOf(pr *azdosim.PullRequest) int {
	n := 0
	for _, th := range pr.Threads() {
		if azdo.ThreadProperty(th, worker.PropSummary) != "" {
			n++
		}
	}
	return n
}

// TestFirstReviewOfANewPullRequest: the first review of a pull request
// created after the state bucket's epoch, with no state, reads no thread
// list — azreviewer can have no thread there — and reads back what it
// wrote by id; the state it saves is trusted, so the next review reads no
// list either, and nothing is posted twice.
func TestFirstReviewOfANewPullRequest(t *testing.T) {
	t.Parallel()
	h, _ := newFleet(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
	w := h.worker(t, skew(testSkew))
	var rep worker.Report
	var err error
	calls := h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
	require.NoError(t, err)
	require.Equal(t, 1, rep.ThreadsPosted)
	require.True(t, rep.SummaryPosted)
	require.Zero(t, calls["git.threads.list"], "no thread list read: %v", calls)
	require.Equal(t, 2, calls["git.threads.get"], "the finding thread and the summary read back by id: %v", calls)
	st, err := h.store.LoadReview(context.Background(), coordination.Key(h.sim.Repo.ID(), h.pr.ID()))
	require.NoError(t, err)
	require.True(t, st.Trusted(), "the index names the threads written")
	require.Len(t, st.Findings, 1)
	require.NotZero(t, st.Summary)
	require.False(t, st.ListedAt.IsZero(), "the list, empty of azreviewer's threads, is known as of the review")

	h.push(map[string]string{"/a.js": noisy + "debugger;\n"})
	calls = h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
	require.NoError(t, err)
	require.Equal(t, 1, rep.ThreadsPosted, "debugger")
	require.Equal(t, 1, rep.AlreadyPosted, "console.log")
	require.Zero(t, calls["git.threads.list"], "%v", calls)
	all, _ := findingThreadsOf(t, h.pr)
	require.Len(t, all, 2)
	require.Equal(t, 1, summariesOf(h.pr))
}

// TestFirstReviewReadsTheListUnlessNew: a review that finds no state reads
// the whole thread list, as before, whenever azreviewer may have threads on
// the pull request or the request asks for it: the pull request was
// reviewed and the states were lost since (its bucket deleted and created
// again, or purged), its state cannot be read, it was created less than
// StateClockSkew after the epoch, the skew is off, or the request is
// /azreviewer review or a redelivery. The threads already there are
// recognised: none is posted twice, and there is one summary.
func TestFirstReviewReadsTheListUnlessNew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bucket := streams.Config{Memory: true}.Fleet.StateBucket()
	tests := []struct {
		name string
		// reviewed: a first review of the new pull request posted its
		// thread and summary, and then lose ran.
		reviewed bool
		lose     func(t *testing.T, h *history, js jetstream.JetStream)
		skew     time.Duration
		window   time.Duration
		delivery uint64
		comment  bool
	}{
		{name: "bucket deleted and created again", reviewed: true, skew: testSkew, lose: func(t *testing.T, _ *history, js jetstream.JetStream) {
			require.NoError(t, js.DeleteKeyValue(ctx, bucket))
			_, err := coordination.Ensure(ctx, js, streams.Config{Memory: true}, coordination.Config{})
			require.NoError(t, err)
		}},
		{name: "stream purged", reviewed: true, skew: testSkew, lose: func(t *testing.T, _ *history, js jetstream.JetStream) {
			s, err := js.Stream(ctx, "KV_"+bucket)
			require.NoError(t, err)
			require.NoError(t, s.Purge(ctx))
		}},
		{name: "state unreadable", reviewed: true, skew: testSkew, lose: func(t *testing.T, h *history, _ jetstream.JetStream) {
			require.NoError(t, h.store.SaveState(ctx, coordination.Key(h.sim.Repo.ID(), h.pr.ID()), []byte("{not json")))
		}},
		// A bucket that did not see the review — a standby's after a
		// fail-over, another fleet's — has the epoch but not the state.
		{name: "created before the window, its state in another bucket", reviewed: true, skew: testSkew, window: time.Nanosecond, lose: func(t *testing.T, h *history, js jetstream.JetStream) {
			kv, err := js.KeyValue(ctx, bucket)
			require.NoError(t, err)
			require.NoError(t, kv.Delete(ctx, coordination.Key(h.sim.Repo.ID(), h.pr.ID())))
		}},
		{name: "window off", skew: testSkew, window: -1},
		{name: "created within the skew", skew: 0},
		{name: "skew off", skew: -1},
		{name: "redelivery", skew: testSkew, delivery: 2},
		{name: "comment command", skew: testSkew, comment: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, js := newFleet(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
			w := h.worker(t, skew(tt.skew), window(tt.window))
			if tt.reviewed {
				rep, err := w.Review(ctx, h.request())
				require.NoError(t, err)
				require.Equal(t, 1, rep.ThreadsPosted)
				tt.lose(t, h, js)
			}
			req := h.request()
			req.EventID = "e-again"
			if tt.comment {
				req.Trigger, req.Comment = events.TriggerComment, &events.CommentRef{CommentID: 1, Content: "/azreviewer review"}
			}
			var rep worker.Report
			var err error
			calls := h.calls(func() { rep, err = w.ReviewDelivered(ctx, req, cmp.Or(tt.delivery, 1)) })
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			require.Positive(t, calls["git.threads.list"], "the list is read: %v", calls)
			all, _ := findingThreadsOf(t, h.pr)
			require.Len(t, all, 1, "console.log, once")
			require.Equal(t, 1, summariesOf(h.pr), "one summary")
			if tt.reviewed {
				require.Zero(t, rep.ThreadsPosted)
				require.Equal(t, 1, rep.AlreadyPosted)
			}
		})
	}
}

// racingStore is the fleet's store whose first StateEpoch first runs
// another worker's whole review of the pull request: a review that began
// after this one found no state, as one does when this review's worker
// stalled past its lease's TTL and another took the lease over.
type racingStore struct {
	*coordination.Store
	race func()
}

func (s *racingStore) StateEpoch(ctx context.Context) (time.Time, error) {
	if race := s.race; race != nil {
		s.race = nil
		race()
	}
	return s.Store.StateEpoch(ctx)
}

// leaselessStore gives every lease asked for: the lease this review's
// worker lost to the other.
type leaselessStore struct{ *coordination.Store }

func (s leaselessStore) Acquire(ctx context.Context, key string) (*coordination.Lease, error) {
	return s.Store.Acquire(ctx, key+".taken-over")
}

// TestFirstReviewRacesAnother: two reviews of a new pull request both find
// no state; the one that writes its mark second (CreateReview finds the
// other's) reads the thread list after all, and posts nothing twice.
func TestFirstReviewRacesAnother(t *testing.T) {
	t.Parallel()
	h, _ := newFleet(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
	other := h.worker(t, skew(testSkew), func(c *worker.Config) { c.Coordinator = leaselessStore{h.store} })
	racing := &racingStore{Store: h.store}
	var first worker.Report
	var firstErr error
	racing.race = func() { first, firstErr = other.Review(context.Background(), h.request()) }
	w := h.worker(t, skew(testSkew), func(c *worker.Config) { c.Coordinator = racing })
	var rep worker.Report
	var err error
	calls := h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
	require.NoError(t, firstErr)
	require.Equal(t, 1, first.ThreadsPosted, "the other review, begun later, posted first")
	require.NoError(t, err)
	require.Positive(t, calls["git.threads.list"], "the list is read: %v", calls)
	require.Zero(t, rep.ThreadsPosted)
	require.Equal(t, 1, rep.AlreadyPosted)
	all, _ := findingThreadsOf(t, h.pr)
	require.Len(t, all, 1, "console.log, once")
	require.Equal(t, 1, summariesOf(h.pr), "one summary")
}

// TestFirstReviewAfterDescribe: /azreviewer describe can write to a new
// pull request before any review — its description thread — and saves no
// state; the first review still reads no list (the description thread is
// none of the threads a review keeps), posts one summary, and leaves the
// description as it is.
func TestFirstReviewAfterDescribe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setupTalk(t, func(_ string, structured bool) string {
		if structured {
			return noFindings
		}
		return "Adds a feature."
	}, 0)
	_, err := b.coord.StateEpoch(ctx)
	require.NoError(t, err)
	pr := b.sim.NewPullRequest(map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
	client, err := azdo.New(azdo.Config{OrgURL: b.sim.Org.URL(), PAT: b.sim.PAT})
	require.NoError(t, err)
	llm, err := llmreview.New(llmreview.Config{BaseURL: b.llm.srv.URL, Model: "test-model", APIKey: "sk-test-talk-1"})
	require.NoError(t, err)
	w, err := worker.New(worker.Config{OrgURL: b.sim.Org.URL(), Coordinator: b.coord, Memory: b.mem, LeaseRefresh: 100 * time.Millisecond,
		Reviewers: []reviewer.Reviewer{reviewer.Rules(), llm}, StateClockSkew: testSkew, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	require.NoError(t, err)

	rep, err := w.Review(ctx, b.comment(pr, 0, "/azreviewer describe"))
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeCommand, rep.Outcome)
	st, err := b.coord.LoadReview(ctx, coordination.Key(b.sim.Repo.ID(), pr.ID()))
	require.NoError(t, err)
	require.True(t, st.Absent, "describe saves no state")
	description := func() string {
		for _, th := range pr.Threads() {
			if azdo.ThreadProperty(th, worker.PropDescription) != "" {
				return *(*th.Comments)[0].Content
			}
		}
		return ""
	}
	described := description()
	require.Contains(t, described, "Adds a feature.")

	before := len(b.sim.Server.Requests())
	rep, err = w.Review(ctx, b.request(pr, events.TriggerCreated))
	require.NoError(t, err)
	require.Equal(t, 1, rep.ThreadsPosted)
	for _, r := range b.sim.Server.Requests()[before:] {
		require.NotEqual(t, "git.threads.list", r.Operation, "no thread list read")
	}
	require.Equal(t, 1, summariesOf(pr))
	require.Equal(t, described, description(), "the description is left as it is")
	all, _ := findingThreadsOf(t, pr)
	require.Len(t, all, 1)
}
