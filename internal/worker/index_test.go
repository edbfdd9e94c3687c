package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestIndexKeepsClosedThreadsShort: the review state's index keeps an
// open finding thread with its path and severity, a closed one by its
// fingerprint and id only (fixed) or with its severity too (won't fix);
// with that, a review from the
// index still does not post a won't-fix finding again, and still resolves
// an open thread whose finding is gone.
func TestIndexKeepsClosedThreadsShort(t *testing.T) {
	t.Parallel()
	h := setupHistory(t, map[string]string{"/a.js": quiet, "/b.js": quiet, "/c.js": quiet},
		map[string]string{"/a.js": noisy, "/b.js": noisy, "/c.js": noisy})
	w := h.worker(t)
	ctx := context.Background()
	rep, err := w.Review(ctx, h.request())
	require.NoError(t, err)
	require.Equal(t, 3, rep.ThreadsPosted)
	threads, err := h.client.Threads(ctx, h.ref())
	require.NoError(t, err)
	byPath := map[string]azdo.Thread{}
	for _, th := range threads {
		if th.Properties[worker.PropFingerprint] != "" {
			byPath[th.FilePath] = th
		}
	}
	h.pr.SetThreadStatus(byPath["/a.js"].ID, "wontFix")
	h.pr.SetThreadStatus(byPath["/b.js"].ID, "fixed")

	// A redelivery reads the list, and indexes what it holds.
	h.push(map[string]string{"/a.js": noisy, "/b.js": noisy, "/c.js": noisy, "/d.js": quiet})
	rep, err = w.ReviewDelivered(ctx, h.request(), 2)
	require.NoError(t, err)
	require.Zero(t, rep.ThreadsPosted)
	st, err := h.store.LoadReview(ctx, coordination.Key(h.sim.Repo.ID(), h.pr.ID()))
	require.NoError(t, err)
	require.True(t, st.Trusted())
	want := []coordination.IndexedThread{
		{Fingerprint: byPath["/a.js"].Properties[worker.PropFingerprint], ID: byPath["/a.js"].ID, Severity: "warning", Dismissed: true},
		{Fingerprint: byPath["/b.js"].Properties[worker.PropFingerprint], ID: byPath["/b.js"].ID},
		{Fingerprint: byPath["/c.js"].Properties[worker.PropFingerprint], ID: byPath["/c.js"].ID, Path: "/c.js", Severity: "warning", Open: true},
	}
	require.ElementsMatch(t, want, st.Findings)

	// From the index: a.js's finding, won't fix, is not posted again;
	// c.js's, gone, is resolved.
	h.push(map[string]string{"/a.js": noisy + "\n", "/b.js": noisy, "/c.js": quiet, "/d.js": quiet})
	calls := h.calls(func() { rep, err = w.Review(ctx, h.request()) })
	require.NoError(t, err)
	require.Zero(t, calls["git.threads.list"], "%v", calls)
	require.Zero(t, rep.ThreadsPosted)
	require.Equal(t, 1, rep.AlreadyPosted, "a.js's, won't fix")
	require.Equal(t, 1, rep.Resolved, "c.js's")
}
