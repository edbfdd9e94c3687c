package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/worker"
	"github.com/azreviewer/azreviewer/internal/worker/workertest"
)

// TestFullReviewCallsDoNotGrowWithFiles: a full review of F changed files
// reads their contents in a handful of bulk calls — one per 1,000 blobs,
// and .azreviewer.yaml — where reading each version by path cost 2F, so
// that its Azure DevOps calls stay within the cost bound: 8 + 2 ×
// findings posted for F ≤ 100, 12 + 2 × findings for F = 1,000, the
// verification reads counted in. The pull request is a new one of a fleet
// that has reviewed before (created after the state bucket's epoch), as
// most are: its first review reads no thread list (azreviewer has no
// thread there) and reads back by id what it wrote. "warm": the worker
// has read the target commit's .azreviewer.yaml before (reviewing another
// pull request into that commit), so the review does not read it again.
// Without findings, cold: the pull request, iterations, changes,
// .azreviewer.yaml, one bulk read, the summary, its read-back, the status
// (8); with one: the thread and its read-back (10). Endpoint discovery,
// once per process, is done before.
func TestFullReviewCallsDoNotGrowWithFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		files, findings int
		warm            bool
		wantContent     int
		wantCalls       int
		bound           int // + 2 × threads posted
	}{
		{1, 0, false, 2, 8, 8}, {10, 0, false, 2, 8, 8}, {100, 0, false, 2, 8, 8}, {1000, 0, false, 3, 9, 12},
		{1, 1, false, 2, 10, 8}, {10, 1, false, 2, 10, 8}, {100, 1, false, 2, 10, 8}, {1000, 1, false, 3, 11, 12},
		{1, 0, true, 1, 7, 8}, {10, 0, true, 1, 7, 8}, {100, 0, true, 1, 7, 8}, {1000, 0, true, 2, 8, 12},
		{1, 1, true, 1, 9, 8}, {10, 1, true, 1, 9, 8}, {100, 1, true, 1, 9, 8}, {1000, 1, true, 2, 10, 12},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("F=%d,findings=%d,warm=%t", tt.files, tt.findings, tt.warm), func(t *testing.T) {
			t.Parallel()
			cost, err := workertest.MeasureFullReview(context.Background(), workertest.FullReview{Files: tt.files, Lines: 10, Findings: tt.findings, Warm: tt.warm})
			require.NoError(t, err)
			rep := cost.Report
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			require.Equal(t, tt.files, rep.FilesReviewed, "the pull request is reviewed whole")
			require.Equal(t, tt.findings, rep.ThreadsPosted)
			t.Logf("F=%d, %d findings, warm %t: %d calls (bound %d): %d content reads %v, %d others %v", tt.files, tt.findings, tt.warm,
				cost.Calls(), tt.bound+2*rep.ThreadsPosted, len(cost.Content), cost.Content, len(cost.Others), cost.Others)
			require.Equal(t, tt.wantContent, len(cost.Content), "content reads")
			require.Equal(t, tt.wantCalls, cost.Calls(), "calls per full review")
			require.LessOrEqual(t, cost.Calls(), tt.bound+2*rep.ThreadsPosted, "calls per full review")
		})
	}
}

// TestFullReviewFallsBackToReadsByPath: when the bulk read fails or its
// zip lacks blobs, the review reads those versions by path and finds the
// same: the same files reviewed, the same thread.
func TestFullReviewFallsBackToReadsByPath(t *testing.T) {
	t.Parallel()
	const files = 5
	tests := []struct {
		name      string
		fault     func(*azdosim.Server)
		wantItems int // reads by path, .azreviewer.yaml included
	}{
		{"bulk works", nil, 1},
		{"bulk fails", func(s *azdosim.Server) { s.FailRequests("git.blobs.zip", 1, http.StatusInternalServerError, 0) }, 1 + 2*files},
		{"entries missing", func(s *azdosim.Server) { s.SetBlobsZipFault(azdosim.BlobsZipFault{Omit: 2}) }, 1 + files},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, head := workertest.PullRequest(files, 10, 1)
			b := setupWith(t, base, head)
			if tt.fault != nil {
				tt.fault(b.sim.Server)
			}
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			require.Equal(t, files, rep.FilesReviewed)
			require.Equal(t, 1, rep.ThreadsPosted)
			require.Zero(t, rep.SkippedFiles)
			require.Equal(t, 1, b.sim.Server.Count("git.blobs.zip"))
			require.Equal(t, tt.wantItems, b.sim.Server.Count("git.items.get"))
		})
	}
}

// TestIncrementalReviewReadsNoDeletedHead: a file deleted since the last
// review is not looked for at the head (the change says it is gone); its
// common-commit version is still read, and its findings are resolved.
func TestIncrementalReviewReadsNoDeletedHead(t *testing.T) {
	t.Parallel()
	base := map[string]string{"/a.js": "let a;\n", "/b.js": "let b;\n"}
	head := map[string]string{"/a.js": "let a;\nconsole.log(a);\n", "/b.js": "let b;\nconsole.log(b);\n"}
	c := setupCoordinated(t, base, head)
	w := c.new(t)
	rep, err := w.Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
	require.NoError(t, err)
	require.Equal(t, 2, rep.ThreadsPosted)

	// Iteration 2 deletes b.js and edits a.js.
	commit := c.sim.Repo.Commit(map[string]string{"/a.js": "let a;\nconsole.log(a);\nconsole.log(1);\n"})
	c.pr.Push(commit)
	items, bulk := c.sim.Server.Count("git.items.get"), c.sim.Server.Count("git.blobs.zip")
	rep, err = w.Review(context.Background(), c.request(events.TriggerUpdated, commit))
	require.NoError(t, err)
	require.Equal(t, 1, rep.Since)
	require.Equal(t, 1, rep.Resolved, "b.js's finding is gone with it")
	require.Zero(t, c.sim.Server.Count("git.items.get")-items, "no read by path (.azreviewer.yaml of this target commit was read by the first review)")
	require.Equal(t, 1, c.sim.Server.Count("git.blobs.zip")-bulk, "a.js's head, a.js and b.js at the common commit; not b.js at the head")
}

// TestIncrementalReviewReadsBasesInBulk: an incremental review reads the
// common commit's versions of the files changed since by their blob ids,
// in the bulk read of their heads, from what the state names of that
// commit (coordination.BaseVersions) and what the changes since tell —
// reading by path only where the state names none (a state of an earlier
// release) — and finds the same either way. Iteration 2 edits a file the
// pull request already changed (its common-commit version is the state's,
// not iteration 1's), adds one and renames an untouched one.
func TestIncrementalReviewReadsBasesInBulk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		forget    bool // the state as an earlier release saved it
		wantItems int
	}{
		{"bases known", false, 0},
		{"state without bases", true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := map[string]string{"/a.js": "let a;\n", "/old.js": "let o;\n"}
			head := map[string]string{"/a.js": "let a;\nconsole.log(a);\n", "/old.js": "let o;\n"}
			c := setupCoordinated(t, base, head)
			w := c.new(t)
			req := c.request(events.TriggerCreated, c.pr.Head())
			rep, err := w.Review(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, 1, rep.ThreadsPosted)
			key := coordination.Key(req.RepositoryID, req.PullRequestID)
			if tt.forget {
				st, err := c.coord.LoadReview(context.Background(), key)
				require.NoError(t, err)
				require.NotNil(t, st.Bases)
				st.Bases = nil
				require.NoError(t, c.coord.SaveReview(context.Background(), key, st))
			}

			commit := c.sim.Repo.Commit(map[string]string{
				"/a.js":     "let a;\nconsole.log(a);\ndebugger;\n",
				"/new.js":   "console.log(1);\n",
				"/moved.js": "let o;\n",
			})
			c.pr.Push(commit)
			items, bulk := c.sim.Server.Count("git.items.get"), c.sim.Server.Count("git.blobs.zip")
			rep, err = w.Review(context.Background(), c.request(events.TriggerUpdated, commit))
			require.NoError(t, err)
			require.Equal(t, 1, rep.Since)
			require.Equal(t, 3, rep.FilesReviewed)
			require.Equal(t, 2, rep.ThreadsPosted, "a.js's debugger and new.js's console.log")
			require.Equal(t, 1, rep.AlreadyPosted, "a.js's console.log: diffed against the common commit, not iteration 1")
			require.Zero(t, rep.Resolved)
			require.Equal(t, tt.wantItems, c.sim.Server.Count("git.items.get")-items, "reads by path")
			require.Equal(t, 1, c.sim.Server.Count("git.blobs.zip")-bulk)
			st, err := c.coord.LoadReview(context.Background(), key)
			require.NoError(t, err)
			if tt.forget {
				require.Nil(t, st.Bases, "what the changes since tell does not name the whole diff")
				return
			}
			require.NotNil(t, st.Bases)
			require.Equal(t, 2, st.Bases.Iteration)
			require.Equal(t, map[string]string{"/a.js": azdotest.BlobID(base["/a.js"]), "/new.js": "", "/old.js": azdotest.BlobID(base["/old.js"]), "/moved.js": ""}, st.Bases.Blobs)
		})
	}
}
