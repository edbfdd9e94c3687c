package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestSweepReviewsAPullRequestWithoutWebhook: with SWEEP_INTERVAL set, a
// fleet reviews a pull request no webhook was delivered for, once, however
// many sweeps run after.
func TestSweepReviewsAPullRequestWithoutWebhook(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	apptest.Start(t, apptest.Options{OrgURL: sim.Org.URL(), PAT: sim.PAT, SweepInterval: 100 * time.Millisecond})

	threads := waitForSummary(t, pr)
	require.Len(t, threads, 2, "the finding and the summary")
	sweeps := sim.Server.Count("core.projects.list")
	require.Eventually(t, func() bool { return sim.Server.Count("core.projects.list") >= sweeps+3 }, 20*time.Second, 20*time.Millisecond, "more sweeps run")
	require.Len(t, pr.Threads(), 2, "reviewed once")
	require.Equal(t, 1, sim.Server.Count("git.iterationChanges.list"), "one review")
}
