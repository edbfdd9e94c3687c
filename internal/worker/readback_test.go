package worker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestReadBackToleratesWhatAzureNormalises: the summary updated in place on
// a new iteration is verified by thread id and property, and its text up to
// line endings and trailing white space; a text Azure DevOps keeps cut is
// an altered write, reported, and the review still succeeds.
func TestReadBackToleratesWhatAzureNormalises(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		store       func(string) string
		wantAltered int
	}{
		{"as sent", nil, 0},
		{"CRLF line endings", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }, 0},
		{"trailing white space trimmed", func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, " \n", "\n")) + "\n\n" }, 0},
		{"cut at 40 bytes", func(s string) string { return s[:min(len(s), 40)] }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const top = "export const a = 1;\n"
			b := setupWith(t, map[string]string{"/src/app.js": top}, map[string]string{"/src/app.js": top + "console.log(a);\n"})
			_, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)

			b.sim.Server.StoreCommentsAs(tt.store)
			pr := b.sim.Org.PullRequest(b.req.PullRequestID)
			pr.Push(b.sim.Repo.Commit(map[string]string{"/src/app.js": top + "console.log(a);\nconsole.log(2);\n"}))
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err, "a normalised or altered text is not a dropped write")
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			require.Equal(t, 2, rep.Iteration)
			require.Zero(t, rep.Writes.Dropped)
			require.Equal(t, tt.wantAltered, rep.Writes.Altered)
			require.True(t, rep.SummaryPosted, "the summary's update is confirmed")
		})
	}
}
