package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/worker"
)

const (
	here = "console.log(\"here\");\n"
	// hereFingerprint is the fingerprint releases before repeat numbering
	// stored on the thread of console.log("here") in /src/app.js, whichever
	// occurrence it was.
	hereFingerprint = "0808580e022e48067160eeb1ded19ca2"
)

// findingThreads returns the fingerprint of each of azreviewer's finding
// threads on b's pull request and the fingerprints of those marked fixed.
func findingThreads(t *testing.T, b *bundle) (all, fixed []string) {
	t.Helper()
	for _, th := range b.sim.Org.PullRequest(b.req.PullRequestID).Threads() {
		fp := azdo.ThreadProperty(th, worker.PropFingerprint)
		if fp == "" {
			continue
		}
		all = append(all, fp)
		if th.Status != nil && azdo.ThreadStatus(*th.Status) == azdo.ThreadFixed {
			fixed = append(fixed, fp)
		}
	}
	return all, fixed
}

// addFindingThread posts on b's pull request, as the PAT's identity, an
// active finding thread on line of path, as an earlier release posted it,
// with fingerprint fp.
func addFindingThread(t *testing.T, b *bundle, path string, line, endOffset int, fp, rule, severity string) {
	t.Helper()
	_, err := b.client.CreateThread(context.Background(), azdo.PullRequestRef{Project: b.req.ProjectID, RepositoryID: b.req.RepositoryID, ID: b.req.PullRequestID}, azdo.Thread{
		Status:     azdo.ThreadActive,
		Comments:   []azdo.Comment{{Content: "**" + severity + "** `" + rule + "`: remove it"}},
		FilePath:   path,
		Start:      azdo.Position{Line: line, Offset: 1},
		End:        azdo.Position{Line: line, Offset: endOffset},
		Properties: map[string]string{worker.PropFingerprint: fp, worker.PropRule: rule, worker.PropSeverity: severity},
	})
	require.NoError(t, err)
}

// TestRepeatedFindingsGetAThreadEach: two identical findings in one file get
// two threads, which later reviews recognise when nothing moved and when
// lines were added above them; removing the second resolves only its thread.
func TestRepeatedFindingsGetAThreadEach(t *testing.T) {
	t.Parallel()
	const top = "export const a = 1;\n"
	b := setupWith(t, map[string]string{"/src/app.js": top}, map[string]string{"/src/app.js": top + here + "export const b = 2;\n" + here})
	pr := b.sim.Org.PullRequest(b.req.PullRequestID)
	both := []string{hereFingerprint, hereFingerprint + "#2"}
	steps := []struct {
		name string
		// head, when set, is pushed before the review.
		head                               string
		iteration, posted, already, solved int
		fixed                              []string
	}{
		{name: "first review", iteration: 1, posted: 2},
		{name: "the same iteration again", iteration: 1, already: 2},
		{name: "lines added above both", head: top + "// one\n// two\n" + here + "export const b = 2;\n" + here, iteration: 2, already: 2},
		{name: "second occurrence removed", head: top + "// one\n// two\n" + here + "export const b = 2;\n", iteration: 3, already: 1, solved: 1, fixed: []string{hereFingerprint + "#2"}},
	}
	for _, s := range steps {
		if s.head != "" {
			pr.Push(b.sim.Repo.Commit(map[string]string{"/src/app.js": s.head}))
		}
		rep, err := b.worker.Review(context.Background(), b.req)
		require.NoError(t, err, s.name)
		require.Equal(t, s.iteration, rep.Iteration, s.name)
		require.Equal(t, s.posted, rep.ThreadsPosted, "%s: threads posted", s.name)
		require.Equal(t, s.already, rep.AlreadyPosted, "%s: already posted", s.name)
		require.Equal(t, s.solved, rep.Resolved, "%s: resolved", s.name)
		all, fixed := findingThreads(t, b)
		require.Equal(t, both, all, "%s: one thread per occurrence, none twice", s.name)
		require.Equal(t, s.fixed, fixed, s.name)
	}
}

// TestThreadOfEarlierReleaseIsRecognised: a thread an earlier release posted
// for one of two identical findings (with the plain fingerprint it gave
// every occurrence) is kept after the upgrade; only the other occurrence
// gets a new thread.
func TestThreadOfEarlierReleaseIsRecognised(t *testing.T) {
	t.Parallel()
	const top = "export const a = 1;\n"
	b := setupWith(t, map[string]string{"/src/app.js": top}, map[string]string{"/src/app.js": top + here + here})
	addFindingThread(t, b, "/src/app.js", 2, 22, hereFingerprint, "debug/console-log", "warning")

	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 1, rep.AlreadyPosted, "the earlier release's thread")
	require.Equal(t, 1, rep.ThreadsPosted, "the second occurrence")
	require.Equal(t, 0, rep.Resolved)
	all, fixed := findingThreads(t, b)
	require.Equal(t, []string{hereFingerprint, hereFingerprint + "#2"}, all, "no duplicate after the upgrade")
	require.Empty(t, fixed)
}

// TestRepeatedFindingsCountAgainstTheCap: each occurrence takes a place
// under the thread cap, and those left without a thread are counted in the
// summary as not posted, none as already posted.
func TestRepeatedFindingsCountAgainstTheCap(t *testing.T) {
	t.Parallel()
	const top = "export const a = 1;\n"
	b := setupWith(t, map[string]string{"/src/app.js": top}, map[string]string{"/src/app.js": top + here + here + here},
		func(_ *azdo.Config, w *worker.Config) { w.MaxThreads = 2 })
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 2, rep.ThreadsPosted)
	require.Equal(t, 0, rep.AlreadyPosted)
	require.Equal(t, 1, rep.NotPosted)
	all, _ := findingThreads(t, b)
	require.Equal(t, []string{hereFingerprint, hereFingerprint + "#2"}, all, "the first two in line order")
	_, _, summary := postedComments(t, b)
	require.Contains(t, summary, "**1 more finding not posted** (at most 2 threads per review, the most severe first): 1 warning.")
}
