package worker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// threadModes are the two ways a review knows the pull request's threads:
// the review state's index (real JetStream), and the whole list (no
// coordination, as a review reads it on /azreviewer review, a redelivery
// or once a THREAD_LIST_PERIOD).
var threadModes = []struct {
	name string
	tune func(*worker.Config)
}{
	{"index", func(*worker.Config) {}},
	{"full list", func(c *worker.Config) { c.Coordinator = nil }},
}

// person is a client of the pull request's author, who changes threads
// through the REST API as the web UI does.
func (h *history) person(t *testing.T) *azdo.Client {
	t.Helper()
	c, err := azdo.New(azdo.Config{OrgURL: h.sim.Org.URL(), PAT: h.sim.NewPAT(h.sim.Author)})
	require.NoError(t, err)
	return c
}

// setStatus sets thread id's status as the author.
func (h *history) setStatus(t *testing.T, id int, statuses ...azdo.ThreadStatus) {
	t.Helper()
	p := h.person(t)
	for _, s := range statuses {
		_, err := p.UpdateThreadStatus(context.Background(), h.ref(), id, s)
		require.NoError(t, err)
	}
}

// TestFindingBackAfterFixedReopensItsThread: a blocking finding whose
// thread azreviewer set to fixed, and that comes back (the fix reverted,
// conflict markers committed again), reopens that thread — active again,
// with a reply naming the iteration — and fails the status, in both thread
// modes; no second thread is posted. A thread a person closed, after
// azreviewer's fixed or on a finding still there, stays as the person left
// it and does not block.
func TestFindingBackAfterFixedReopensItsThread(t *testing.T) {
	t.Parallel()
	const conflict = "let a;\n<<<<<<< HEAD\nlet b = 1;\n=======\nlet b = 2;\n>>>>>>> feature\n"
	tests := []struct {
		name     string
		blocking reviewer.Severity
		// first is reviewed, then second; byHand runs after the second
		// review, then third is reviewed.
		first, second, third string
		byHand               []azdo.ThreadStatus
		wantFixed            int // resolved by the second review
		wantReopened         int
		wantStatus           string
		wantThread           azdo.ThreadStatus
	}{
		{"fix reverted", reviewer.SeverityWarning, noisy, quiet, noisy, nil, 1, 1, "failed", azdo.ThreadActive},
		{"conflict markers again", "", conflict, "let a;\nlet b = 1;\n", conflict, nil, 1, 1, "failed", azdo.ThreadActive},
		{"fixed, then won't fix by a person", reviewer.SeverityWarning, noisy, quiet, noisy,
			[]azdo.ThreadStatus{azdo.ThreadWontFix}, 1, 0, "succeeded", azdo.ThreadWontFix},
		{"fixed by a person, finding still there", reviewer.SeverityWarning, noisy, noisy + "// 1\n", noisy + "// 2\n",
			[]azdo.ThreadStatus{azdo.ThreadFixed}, 0, 0, "succeeded", azdo.ThreadFixed},
		{"closed by a person, finding still there", reviewer.SeverityWarning, noisy, noisy + "// 1\n", noisy + "// 2\n",
			[]azdo.ThreadStatus{azdo.ThreadClosed}, 0, 0, "succeeded", azdo.ThreadClosed},
	}
	for _, mode := range threadModes {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": tt.first})
				w := h.worker(t, mode.tune, func(c *worker.Config) {
					if tt.blocking != "" {
						c.BlockingSeverity = tt.blocking
					}
				})
				ctx := context.Background()
				rep, err := w.Review(ctx, h.request())
				require.NoError(t, err)
				require.Equal(t, "failed", rep.Status)
				_, _, ids := findingThreadIDs(t, h.pr)
				require.Len(t, ids, 1)

				h.push(map[string]string{"/a.js": tt.second})
				rep, err = w.Review(ctx, h.request())
				require.NoError(t, err)
				require.Equal(t, tt.wantFixed, rep.Resolved)
				h.setStatus(t, ids[0], tt.byHand...)

				h.push(map[string]string{"/a.js": tt.third})
				rep, err = w.Review(ctx, h.request())
				require.NoError(t, err)
				require.Equal(t, 1, rep.Findings)
				require.Zero(t, rep.ThreadsPosted, "the finding has its thread")
				require.Equal(t, tt.wantReopened, rep.Reopened)
				require.Equal(t, tt.wantStatus, rep.Status)
				all, _, _ := findingThreadIDs(t, h.pr)
				require.Len(t, all, 1, "never posted twice")
				th, err := h.client.Thread(ctx, h.ref(), ids[0])
				require.NoError(t, err)
				require.Equal(t, tt.wantThread, th.Status)
				last := th.Comments[len(th.Comments)-1].Content
				if tt.wantReopened > 0 {
					require.Len(t, th.Comments, 2, "the finding and the reply")
					require.Contains(t, last, "back in iteration 3")
				} else {
					require.Len(t, th.Comments, 1, "no reply")
				}

				// The next review keeps the reopened thread as it is: open,
				// counted, not reopened again.
				h.push(map[string]string{"/a.js": tt.third + "// again\n"})
				rep, err = w.Review(ctx, h.request())
				require.NoError(t, err)
				require.Zero(t, rep.Reopened)
				require.Zero(t, rep.ThreadsPosted)
				require.Equal(t, tt.wantStatus, rep.Status)
			})
		}
	}
}

// TestThreadReactivatedByAPersonCounts: a blocking thread a person closed
// (won't fix, by design, closed; or fixed, on a file the review reads
// again) and then reactivated counts for the status at the next review in
// both thread modes, as it did not before in the index mode until the next
// read of the whole list; reactivated and then fixed in the code, it is
// resolved, as the list has it. Dismissed and left so, it does not block;
// in the index mode that costs one read of the thread by id per review.
func TestThreadReactivatedByAPersonCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// closed is the person's status after the first review; byHand
		// what the person does after the second.
		closed azdo.ThreadStatus
		byHand []azdo.ThreadStatus
		// third is /a.js at the third review (/b.js changes at each; ""
		// leaves /a.js as it is).
		third        string
		wantStatus   string
		wantResolved int
	}{
		{"won't fix, reactivated", azdo.ThreadWontFix, []azdo.ThreadStatus{azdo.ThreadActive}, "", "failed", 0},
		{"won't fix, reactivated, file changed", azdo.ThreadWontFix, []azdo.ThreadStatus{azdo.ThreadActive}, noisy + "// 2\n", "failed", 0},
		{"by design, reactivated", azdo.ThreadByDesign, []azdo.ThreadStatus{azdo.ThreadActive}, "", "failed", 0},
		{"closed, reactivated", azdo.ThreadClosed, []azdo.ThreadStatus{azdo.ThreadActive}, "", "failed", 0},
		{"won't fix, reactivated, then fixed in the code", azdo.ThreadWontFix, []azdo.ThreadStatus{azdo.ThreadActive}, quiet, "succeeded", 1},
		{"fixed by a person, reactivated, file changed", azdo.ThreadFixed, []azdo.ThreadStatus{azdo.ThreadActive}, noisy + "// 2\n", "failed", 0},
		{"won't fix, then by design", azdo.ThreadWontFix, []azdo.ThreadStatus{azdo.ThreadByDesign}, "", "succeeded", 0},
		{"won't fix, left so", azdo.ThreadWontFix, nil, "", "succeeded", 0},
	}
	for _, mode := range threadModes {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				h := setupHistory(t, map[string]string{"/a.js": quiet, "/b.js": quiet}, map[string]string{"/a.js": noisy, "/b.js": quiet})
				w := h.worker(t, mode.tune, func(c *worker.Config) { c.BlockingSeverity = reviewer.SeverityWarning })
				ctx := context.Background()
				rep, err := w.Review(ctx, h.request())
				require.NoError(t, err)
				require.Equal(t, "failed", rep.Status)
				_, _, ids := findingThreadIDs(t, h.pr)
				require.Len(t, ids, 1)
				h.setStatus(t, ids[0], tt.closed)

				h.push(map[string]string{"/a.js": noisy, "/b.js": quiet + "// 1\n"})
				rep, err = w.Review(ctx, h.request())
				require.NoError(t, err)
				require.Equal(t, "succeeded", rep.Status, "closed by a person")
				h.setStatus(t, ids[0], tt.byHand...)

				third := map[string]string{"/a.js": noisy, "/b.js": quiet + "// 2\n"}
				if tt.third != "" {
					third["/a.js"] = tt.third
				}
				h.push(third)
				calls := h.calls(func() { rep, err = w.Review(ctx, h.request()) })
				require.NoError(t, err)
				require.Equal(t, tt.wantStatus, rep.Status)
				require.Equal(t, tt.wantResolved, rep.Resolved)
				require.Zero(t, rep.ThreadsPosted)
				require.Zero(t, rep.Reopened, "a person's thread is never reopened by azreviewer")
				all, _ := findingThreadsOf(t, h.pr)
				require.Len(t, all, 1, "never posted twice")
				if mode.name == "index" {
					require.Zero(t, calls["git.threads.list"], "%v", calls)
					require.Equal(t, 2+tt.wantResolved, calls["git.threads.get"],
						"the closed thread, the summary's read-back (and the resolved thread's): %v", calls)
				}
			})
		}
	}
}

// TestReopenReplyIsPlainText: the reply on a reopened thread is rendered
// through internal/markdown, as every text azreviewer writes.
func TestReopenReplyIsPlainText(t *testing.T) {
	t.Parallel()
	h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
	w := h.worker(t, func(c *worker.Config) { c.BlockingSeverity = reviewer.SeverityWarning })
	ctx := context.Background()
	for _, content := range []string{noisy, quiet, noisy} {
		h.push(map[string]string{"/a.js": content})
		_, err := w.Review(ctx, h.request())
		require.NoError(t, err)
	}
	_, _, ids := findingThreadIDs(t, h.pr)
	require.Len(t, ids, 1)
	th, err := h.client.Thread(ctx, h.ref(), ids[0])
	require.NoError(t, err)
	require.Len(t, th.Comments, 2)
	reply := th.Comments[1].Content
	require.False(t, strings.ContainsAny(reply, "\n<>[]"), "one line, no markup: %q", reply)
	require.Equal(t, 1, th.Comments[1].ParentID, "answers the finding")
}

// TestReopenAfterTheReleaseBeforeRewroteTheIndex: in a rolling upgrade a
// worker of the release before may rewrite the index between two reviews
// of this code, which then keeps azreviewer's own fixed thread as closed
// (it knows no Fixed). A blocking finding that comes back still reopens it:
// a closed thread of a blocking finding is read by id, and the thread's
// property tells. A finding below the blocking severity reopens it at the
// next read of the list. Nothing is posted twice.
func TestReopenAfterTheReleaseBeforeRewroteTheIndex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		blocking     reviewer.Severity
		wantReopened int
		wantStatus   string
	}{
		{"blocking", reviewer.SeverityWarning, 1, "failed"},
		{"not blocking", reviewer.SeverityError, 0, "succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
			w := h.worker(t, func(c *worker.Config) { c.BlockingSeverity = tt.blocking })
			ctx := context.Background()
			_, err := w.Review(ctx, h.request())
			require.NoError(t, err)
			h.push(map[string]string{"/a.js": quiet})
			rep, err := w.Review(ctx, h.request())
			require.NoError(t, err)
			require.Equal(t, 1, rep.Resolved)

			// The release before saves the index as it reads it.
			key := coordination.Key(h.sim.Repo.ID(), h.pr.ID())
			st, err := h.store.LoadReview(ctx, key)
			require.NoError(t, err)
			require.True(t, st.Trusted())
			require.Len(t, st.Findings, 1)
			require.True(t, st.Findings[0].Fixed, "azreviewer's own fixed")
			st.Findings[0].Fixed = false
			require.NoError(t, h.store.SaveReview(ctx, key, st))

			h.push(map[string]string{"/a.js": noisy})
			calls := h.calls(func() { rep, err = w.Review(ctx, h.request()) })
			require.NoError(t, err)
			require.Zero(t, calls["git.threads.list"], "%v", calls)
			require.Equal(t, tt.wantReopened, rep.Reopened)
			require.Zero(t, rep.ThreadsPosted)
			require.Equal(t, tt.wantStatus, rep.Status)

			// The list, read again (here on a redelivery), knows.
			h.push(map[string]string{"/a.js": noisy + "// 1\n"})
			rep, err = w.ReviewDelivered(ctx, h.request(), 2)
			require.NoError(t, err)
			require.Equal(t, 1-tt.wantReopened, rep.Reopened)
			require.Zero(t, rep.ThreadsPosted)
			all, _ := findingThreadsOf(t, h.pr)
			require.Len(t, all, 1, "never posted twice")
			th, err := h.client.Thread(ctx, h.ref(), st.Findings[0].ID)
			require.NoError(t, err)
			require.Equal(t, azdo.ThreadActive, th.Status)
		})
	}
}
