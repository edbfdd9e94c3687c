package worker_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
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

// TestSubmoduleEntriesAreNotReviewedAsFiles: a submodule entry of the
// iteration changes (object type commit) is not read as a file but named
// in the summary as not reviewed; the other files are reviewed.
func TestSubmoduleEntriesAreNotReviewedAsFiles(t *testing.T) {
	t.Parallel()
	b := setupWith(t, map[string]string{"/a.js": "let a;\n"},
		map[string]string{"/a.js": "let a;\nconsole.log(a);\n", "/lib/vendored": "Subproject commit 1f2e3d4c5b6a\n"})
	b.sim.Repo.MarkSubmodule("/lib/vendored")
	reads, bulk := b.sim.Server.Count("git.items.get"), b.sim.Server.Count("git.blobs.zip")
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 1, rep.ThreadsPosted, "a.js's finding")
	require.Equal(t, 1, rep.SkippedFiles)
	require.Equal(t, 1, b.sim.Server.Count("git.items.get")-reads, ".azreviewer.yaml; the submodule is not read")
	require.Equal(t, 1, b.sim.Server.Count("git.blobs.zip")-bulk, "a.js on both sides, in one bulk read")
	_, _, summary := postedComments(t, b)
	require.Contains(t, summary, "submodule")
}

// TestReviewCutShortByShutdownIsHandedBack: a review whose context ends
// while it waits on Azure DevOps — the worker is stopping — is handed back,
// logged at info, not as a failed review with a network diagnosis.
func TestReviewCutShortByShutdownIsHandedBack(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	b := setupWith(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"},
		func(_ *azdo.Config, w *worker.Config) { w.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	b.sim.Server.Delay("git.items.get", 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	rep, err := b.worker.Review(ctx, b.req)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, worker.OutcomeHandedBack, rep.Outcome)
	require.Contains(t, logs.String(), "review handed back")
	require.NotContains(t, logs.String(), "level=ERROR")
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
