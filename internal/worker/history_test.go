package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// history is a pull request with real JetStream coordination, reviewed by
// workers built by new, each with its own tuning.
type history struct {
	sim    *azdotest.Sim
	pr     *azdosim.PullRequest
	store  *coordination.Store
	client *azdo.Client
	nats   *eventstest.Bundle
}

func setupHistory(t *testing.T, base, head map[string]string) *history {
	t.Helper()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(base, head)
	b := eventstest.Start(t, streams.Config{Memory: true})
	store, err := coordination.Ensure(context.Background(), b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT})
	require.NoError(t, err)
	return &history{sim: sim, pr: pr, store: store, client: client, nats: b}
}

func (h *history) worker(t *testing.T, tune ...func(*worker.Config)) *worker.Worker {
	t.Helper()
	cfg := worker.Config{OrgURL: h.sim.Org.URL(), Coordinator: h.store, LeaseRefresh: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	for _, f := range tune {
		f(&cfg)
	}
	w, err := worker.New(cfg, h.client, nil)
	require.NoError(t, err)
	return w
}

func (h *history) request() *events.ReviewRequest {
	return &events.ReviewRequest{Version: events.SchemaVersion, Trigger: events.TriggerUpdated, EventID: "e",
		ProjectID: h.sim.Project.ID(), RepositoryID: h.sim.Repo.ID(), PullRequestID: h.pr.ID(), SourceCommit: h.pr.Head()}
}

func (h *history) ref() azdo.PullRequestRef {
	return azdo.PullRequestRef{Project: h.sim.Project.ID(), RepositoryID: h.sim.Repo.ID(), ID: h.pr.ID()}
}

// push commits the tree files (path → content) and pushes it.
func (h *history) push(files map[string]string) {
	h.pr.Push(h.sim.Repo.Commit(files))
}

// calls counts the requests of each operation made while f ran.
func (h *history) calls(f func()) map[string]int {
	before := len(h.sim.Server.Requests())
	f()
	out := map[string]int{}
	for _, r := range h.sim.Server.Requests()[before:] {
		out[r.Operation]++
	}
	return out
}

// seed adds n threads before the first review: half azreviewer's finding
// threads on files the pull request does not change, half a person's.
func (h *history) seed(t *testing.T, n int) {
	t.Helper()
	person, err := azdo.New(azdo.Config{OrgURL: h.sim.Org.URL(), PAT: h.sim.NewPAT(h.sim.Author)})
	require.NoError(t, err)
	for i := range n {
		if i%2 == 0 {
			_, err := h.client.CreateThread(context.Background(), h.ref(), azdo.Thread{Status: azdo.ThreadActive,
				Comments: []azdo.Comment{{Content: "an earlier finding"}}, FilePath: fmt.Sprintf("/old/f%d.js", i),
				Start: azdo.Position{Line: 1, Offset: 1}, End: azdo.Position{Line: 1, Offset: 2},
				Properties: map[string]string{worker.PropFingerprint: fmt.Sprintf("%032x", i), worker.PropRule: "r", worker.PropSeverity: "warning"}})
			require.NoError(t, err)
			continue
		}
		_, err := person.CreateThread(context.Background(), h.ref(), azdo.Thread{Status: azdo.ThreadActive,
			Comments: []azdo.Comment{{Content: "a person's comment"}}})
		require.NoError(t, err)
	}
}

const (
	quiet = "let a;\n"
	noisy = "let a;\nconsole.log(a);\n"
)

// TestIncrementalReviewCostIsIndependentOfHistory: once a review saved its
// thread index, an incremental review reads no thread list — only the
// threads it writes, by id — so its calls are the same with 0 and with 40
// threads on the pull request, and it still posts, recognises and resolves
// as a review that reads the list.
func TestIncrementalReviewCostIsIndependentOfHistory(t *testing.T) {
	t.Parallel()
	var costs []map[string]int
	for _, n := range []int{0, 40} {
		h := setupHistory(t, map[string]string{"/a.js": quiet, "/b.js": quiet}, map[string]string{"/a.js": noisy, "/b.js": noisy})
		h.seed(t, n)
		w := h.worker(t)
		rep, err := w.Review(context.Background(), h.request())
		require.NoError(t, err)
		require.Equal(t, 2, rep.ThreadsPosted)

		// Iteration 2 fixes a.js and adds a finding to b.js.
		h.push(map[string]string{"/a.js": quiet, "/b.js": noisy + "debugger;\n"})
		calls := h.calls(func() {
			rep, err = w.Review(context.Background(), h.request())
		})
		require.NoError(t, err)
		require.Equal(t, 1, rep.ThreadsPosted, "%d threads: the debugger finding", n)
		require.Equal(t, 1, rep.AlreadyPosted, "%d threads: b.js's console.log", n)
		require.Equal(t, 1, rep.Resolved, "%d threads: a.js's finding", n)
		require.True(t, rep.SummaryPosted)
		require.Zero(t, calls["git.threads.list"], "%d threads: no thread list is read: %v", n, calls)
		costs = append(costs, calls)
	}
	require.Equal(t, costs[0], costs[1], "the same calls at 0 and 40 threads")
	require.Equal(t, 4, costs[0]["git.threads.get"], "a.js's thread before resolving it, then the read-back of the three threads written (the new one, a.js's and the summary)")
}

// TestManyThreadsToReadCostOneListRead: when more threads than a review
// may read one by one are to be read (here 20 findings gone at once, to be
// resolved), it reads the list once instead of a GET each, whoever planted
// the threads.
func TestManyThreadsToReadCostOneListRead(t *testing.T) {
	t.Parallel()
	base, head, fixed := map[string]string{}, map[string]string{}, map[string]string{}
	for i := range 20 {
		path := fmt.Sprintf("/f%02d.js", i)
		base[path], head[path], fixed[path] = quiet, noisy, quiet
	}
	h := setupHistory(t, base, head)
	w := h.worker(t)
	rep, err := w.Review(context.Background(), h.request())
	require.NoError(t, err)
	require.Equal(t, 20, rep.ThreadsPosted)

	fixed["/f00.js"] = quiet + "// touched\n"
	h.push(fixed)
	calls := h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
	require.NoError(t, err)
	require.Equal(t, 20, rep.Resolved)
	require.Equal(t, 2, calls["git.threads.list"], "one read before resolving, one read-back: %v", calls)
	require.Zero(t, calls["git.threads.get"], "%v", calls)
}

// TestFullListIsReadWhenTheIndexCannotBeTrusted: the thread list is read
// in full on /azreviewer review, on a redelivery, and after a review whose
// post did not finish; a first delivery after a finished review reads
// none.
func TestFullListIsReadWhenTheIndexCannotBeTrusted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		delivery uint64
		comment  bool
		// refuse fails the previous review's first thread write.
		refuse   bool
		wantList bool
	}{
		{"first delivery", 1, false, false, false},
		{"redelivery", 2, false, false, true},
		{"comment command", 1, true, false, true},
		{"after a post that did not finish", 1, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
			w := h.worker(t)
			_, err := w.Review(context.Background(), h.request())
			require.NoError(t, err)
			h.push(map[string]string{"/a.js": noisy + "debugger;\n"})
			if tt.refuse {
				h.sim.Server.FailRequests("git.threads.create", 1, http.StatusServiceUnavailable, 0)
				_, err := w.Review(context.Background(), h.request())
				require.Error(t, err, "the refused write fails the review")
				h.push(map[string]string{"/a.js": noisy + "debugger;\n// 3\n"})
			}
			req := h.request()
			if tt.comment {
				req.Trigger, req.Comment = events.TriggerComment, &events.CommentRef{CommentID: 1, Content: "/azreviewer review"}
			}
			var rep worker.Report
			calls := h.calls(func() { rep, err = w.ReviewDelivered(context.Background(), req, tt.delivery) })
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			require.Equal(t, tt.wantList, calls["git.threads.list"] > 0, "%v", calls)
			all, _ := findingThreadsOf(t, h.pr)
			require.Len(t, all, 2, "console.log and debugger, once each")
		})
	}
}

// lossyStore is the fleet's store, losing the state a review saves after
// its post (the worker died between its writes and that save, or the save
// failed) while drop is set.
type lossyStore struct {
	*coordination.Store
	drop bool
}

func (s *lossyStore) SaveReview(ctx context.Context, key string, st coordination.ReviewState) error {
	if s.drop && !st.Posting {
		return nil
	}
	return s.Store.SaveReview(ctx, key, st)
}

// TestThreadWhoseIDNeverReachedTheState: a review posts a thread, then its
// state is lost; the next review does not trust the index the review
// before saved (it still says a post was under way), reads the list, and
// posts nothing twice.
func TestThreadWhoseIDNeverReachedTheState(t *testing.T) {
	t.Parallel()
	h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": quiet + "// 1\n"})
	lossy := &lossyStore{Store: h.store}
	w := h.worker(t, func(c *worker.Config) { c.Coordinator = lossy })
	_, err := w.Review(context.Background(), h.request())
	require.NoError(t, err, "a review with nothing to say saves its index")

	h.push(map[string]string{"/a.js": noisy})
	lossy.drop = true
	rep, err := w.Review(context.Background(), h.request())
	require.NoError(t, err)
	require.Equal(t, 1, rep.ThreadsPosted)

	lossy.drop = false
	h.push(map[string]string{"/a.js": noisy + "// 3\n"})
	calls := h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
	require.NoError(t, err)
	require.Positive(t, calls["git.threads.list"], "the list is read")
	require.Equal(t, 0, rep.ThreadsPosted, "the thread posted before the state was lost is recognised")
	require.Equal(t, 1, rep.AlreadyPosted)
	all, _ := findingThreadsOf(t, h.pr)
	require.Len(t, all, 1)
}

// TestThreadsChangedByHand: what a person does to azreviewer's threads
// between reviews is seen as a review reading the list sees it. A thread
// resolved by hand whose finding is gone is not resolved again; one
// resolved by hand on a file the review does not read no longer blocks the
// status; a thread whose comment was deleted by the PAT's owner is still
// azreviewer's, and its finding is not posted again.
func TestThreadsChangedByHand(t *testing.T) {
	t.Parallel()
	const b1, b2 = quiet + "// 1\n", quiet + "// 2\n"
	tests := []struct {
		name string
		// byHand changes the finding thread of a.js; next is the push after.
		byHand       func(t *testing.T, h *history, thread int)
		next         map[string]string
		wantPosted   int
		wantResolved int
		wantUpdates  int
		wantStatus   string
	}{
		{"resolved, finding gone", func(_ *testing.T, h *history, id int) { h.pr.SetThreadStatus(id, "fixed") },
			map[string]string{"/a.js": quiet, "/b.js": b1}, 0, 0, 0, "succeeded"},
		{"resolved, file not read again", func(_ *testing.T, h *history, id int) { h.pr.SetThreadStatus(id, "fixed") },
			map[string]string{"/a.js": noisy, "/b.js": b2}, 0, 0, 0, "succeeded"},
		{"still open, file not read again", func(*testing.T, *history, int) {},
			map[string]string{"/a.js": noisy, "/b.js": b2}, 0, 0, 0, "failed"},
		{"comment deleted, finding kept", func(t *testing.T, h *history, id int) {
			require.NoError(t, h.client.DeleteComment(context.Background(), h.ref(), id, 1))
		}, map[string]string{"/a.js": noisy + "// 2\n", "/b.js": b1}, 0, 0, 0, "failed"},
		{"comment deleted, finding gone", func(t *testing.T, h *history, id int) {
			require.NoError(t, h.client.DeleteComment(context.Background(), h.ref(), id, 1))
		}, map[string]string{"/a.js": quiet, "/b.js": b1}, 0, 1, 1, "succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setupHistory(t, map[string]string{"/a.js": quiet, "/b.js": quiet}, map[string]string{"/a.js": noisy, "/b.js": b1})
			// console.log blocks, so the status shows what is open.
			w := h.worker(t, func(c *worker.Config) { c.BlockingSeverity = reviewer.SeverityWarning })
			rep, err := w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.Equal(t, "failed", rep.Status)
			_, _, ids := findingThreadIDs(t, h.pr)
			require.Len(t, ids, 1)
			tt.byHand(t, h, ids[0])

			h.push(tt.next)
			calls := h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
			require.NoError(t, err)
			require.Zero(t, calls["git.threads.list"], "%v", calls)
			require.Equal(t, tt.wantPosted, rep.ThreadsPosted)
			require.Equal(t, tt.wantResolved, rep.Resolved)
			require.Equal(t, tt.wantUpdates, calls["git.threads.update"], "status updates: %v", calls)
			require.Equal(t, tt.wantStatus, rep.Status)
			all, _ := findingThreadsOf(t, h.pr)
			require.Len(t, all, 1, "never posted twice")
		})
	}
}

// findingThreadsOf returns the fingerprints of azreviewer's finding
// threads on pr and those marked fixed.
func findingThreadsOf(t *testing.T, pr *azdosim.PullRequest) (all, fixed []string) {
	t.Helper()
	all, fixed, _ = findingThreadIDs(t, pr)
	return all, fixed
}

func findingThreadIDs(t *testing.T, pr *azdosim.PullRequest) (all, fixed []string, ids []int) {
	t.Helper()
	for _, th := range pr.Threads() {
		fp := azdo.ThreadProperty(th, worker.PropFingerprint)
		if fp == "" {
			continue
		}
		all, ids = append(all, fp), append(ids, *th.Id)
		if th.Status != nil && azdo.ThreadStatus(*th.Status) == azdo.ThreadFixed {
			fixed = append(fixed, fp)
		}
	}
	return all, fixed, ids
}

// TestThreadsGoneByHand, on the fake (which, unlike the simulator, can
// hold a thread marked deleted): a finding thread marked deleted is not
// resolved and its finding is not posted again, as a review reading the
// list decides; a thread gone altogether (Azure DevOps answers 404) is not
// resolved either, and its finding, still there, is posted again by the
// next full read (/azreviewer review) — a review from the index takes the
// index's word that it is posted.
func TestThreadsGoneByHand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		gone func(az *azdotest.Fake)
		// keep: the push keeps the finding (else it fixes it).
		keep        bool
		wantAlready int
		// wantReposted: the /azreviewer review after posts it again.
		wantReposted int
	}{
		{"deleted, finding gone", func(az *azdotest.Fake) { az.ThreadsValue[0].Deleted = true }, false, 0, 0},
		{"deleted, finding kept", func(az *azdotest.Fake) { az.ThreadsValue[0].Deleted = true }, true, 1, 0},
		{"vanished, finding gone", func(az *azdotest.Fake) { az.ThreadsValue = az.ThreadsValue[1:] }, false, 0, 0},
		{"vanished, finding kept", func(az *azdotest.Fake) { az.ThreadsValue = az.ThreadsValue[1:] }, true, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, streams.Config{Memory: true})
			store, err := coordination.Ensure(context.Background(), b.JS, streams.Config{Memory: true}, coordination.Config{})
			require.NoError(t, err)
			f := setupFake(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy}, func(_ *azdotest.Fake, c *worker.Config) {
				c.Coordinator = store
			})
			f.req.Trigger, f.req.SourceCommit = events.TriggerUpdated, azdotest.HeadCommit
			rep, err := f.worker.Review(context.Background(), f.req)
			require.NoError(t, err)
			require.Equal(t, 1, rep.ThreadsPosted)
			require.NotEmpty(t, f.az.ThreadsValue[0].Properties[worker.PropFingerprint], "thread 1 is the finding's")
			tt.gone(f.az)

			const next = "c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2"
			content := quiet
			if tt.keep {
				content = noisy + "// 2\n"
			}
			f.az.Files[next] = map[string]string{"/a.js": content}
			f.az.IterationsValue = append(f.az.IterationsValue, azdo.Iteration{ID: 2, SourceCommit: next,
				TargetCommit: azdotest.BaseCommit, CommonCommit: azdotest.BaseCommit})
			f.az.ChangesValue = []azdo.Change{{Path: "/a.js", ChangeType: "edit", ChangeTrackingID: 1}}
			f.az.PullRequestValue.SourceCommit = next
			f.req.SourceCommit = next
			lists := f.az.Count("Threads")
			rep, err = f.worker.Review(context.Background(), f.req)
			require.NoError(t, err)
			require.Equal(t, lists, f.az.Count("Threads"), "no thread list is read")
			require.Equal(t, 2, rep.Iteration)
			require.Zero(t, rep.Resolved, "a deleted or vanished thread is not resolved")
			require.Empty(t, f.az.ThreadStatuses)
			require.Zero(t, rep.ThreadsPosted)
			require.Equal(t, tt.wantAlready, rep.AlreadyPosted)

			f.req.Trigger, f.req.Comment = events.TriggerComment, &events.CommentRef{CommentID: 1, AuthorID: azdotest.Author().ID, Content: "/azreviewer review"}
			rep, err = f.worker.Review(context.Background(), f.req)
			require.NoError(t, err)
			require.Equal(t, tt.wantReposted, rep.ThreadsPosted, "the full read")
		})
	}
}
