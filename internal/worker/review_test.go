package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestSlowReviewersAreStoppedAndTheRestPosted: custom rules within the
// file's limits that would take minutes on the pull request (a regexp CPU
// bomb) are stopped when the reviewers' share of REVIEW_TIMEOUT runs out;
// the custom reviewer is listed as failed and the built-in rules' findings
// are posted.
func TestSlowReviewersAreStoppedAndTheRestPosted(t *testing.T) {
	t.Parallel()
	// 22 rules of 902 instructions each, within the program budget; each
	// match on a line of 1000 letters takes milliseconds.
	var cfg strings.Builder
	cfg.WriteString("custom_rules:\n")
	for i := range repoconfig.MaxCustomProgram / 902 {
		fmt.Fprintf(&cfg, "- {id: r%d, pattern: '[\\p{L}\\p{N}]{1,450}$', message: m}\n", i)
	}
	_, err := repoconfig.Parse([]byte(cfg.String()))
	require.NoError(t, err, "the bomb is within the file's limits")

	base := map[string]string{"/.azreviewer.yaml": cfg.String(), "/src/app.js": "export const a = 1;\n"}
	head := map[string]string{"/.azreviewer.yaml": cfg.String(), "/src/app.js": "export const a = 1;\nconsole.log(a);\n"}
	letters := strings.Repeat(strings.Repeat("a", 1000)+"\n", 50)
	for i := range 20 { // many files, so an overrun is not one file's time
		head[fmt.Sprintf("/text/%02d.txt", i)] = letters
	}
	const timeout = 8 * time.Second
	b := setupWith(t, base, head, func(_ *azdo.Config, wc *worker.Config) { wc.ReviewTimeout = timeout })

	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
	require.Equal(t, 1, rep.ReviewerErrors)

	var summary, finding string
	for _, th := range b.sim.Org.PullRequest(b.req.PullRequestID).Threads() {
		text := *(*th.Comments)[0].Content
		switch {
		case th.ThreadContext == nil:
			summary = text
		case *th.ThreadContext.FilePath == "/src/app.js":
			finding = text
		}
	}
	require.Contains(t, finding, "debug/console-log", "the built-in rules' finding is posted")
	require.Contains(t, summary, "**Reviewers that failed**")
	var failed string
	for l := range strings.SplitSeq(summary, "\n") {
		if strings.Contains(l, "did not finish") {
			failed = l
		}
	}
	require.Contains(t, failed, "custom", "the custom reviewer is listed as failed")
	require.Contains(t, failed, "stopped: it did not finish within the reviewers' 6s of the review's 8s timeout", "rendered as Markdown prose")
	require.Contains(t, summary, "Reviewers: rules, secrets.")
}
