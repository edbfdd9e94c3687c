package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
	"github.com/azreviewer/azreviewer/internal/worker"
	"github.com/azreviewer/azreviewer/internal/worker/workertest"
)

// TestModelContextReadsNoFileAgain: with the model's head-file window on,
// a 20-file review costs the calls it costs without it: the window's head
// versions are those the diff phase read in bulk. Past the worker's
// HeadBytes the rest are read by path, one call each.
func TestModelContextReadsNoFileAgain(t *testing.T) {
	t.Parallel()
	const files = 20
	b := setupTalk(t, func(string, bool) string { return noFindings }, 0)
	tests := []struct {
		name      string
		config    string
		headBytes int
		// extra calls over the review without the window; files widened
		extra, widened int
	}{
		{"window off", "llm: {context_lines: 0, guidance: false}\n", 0, 0, 0},
		{"window on", "llm: {context_lines: 10, guidance: false}\n", 0, 0, files},
		{"window on, guidance read", "llm: {context_lines: 10}\n", 0, 2, files},
		{"window on, room for 5 files", "llm: {context_lines: 10, guidance: false}\n", 5 * len(numbered(100, map[int]string{50: "const changed = 0;"})), files - 5, files},
		{"window on, nothing kept", "llm: {context_lines: 10, guidance: false}\n", -1, files, files},
	}
	var without int
	for _, tt := range tests {
		base, head := map[string]string{"/.azreviewer.yaml": tt.config}, map[string]string{}
		for i := range files {
			p := fmt.Sprintf("/src/f%02d.js", i)
			base[p], head[p] = numbered(100, nil), numbered(100, map[int]string{50: fmt.Sprintf("const changed = %d;", i)})
		}
		pr := b.sim.NewPullRequest(base, withBase(base, head))
		client, err := azdo.New(azdo.Config{OrgURL: b.sim.Org.URL(), PAT: b.sim.PAT})
		require.NoError(t, err)
		llm, err := llmreview.New(llmreview.Config{BaseURL: b.llm.srv.URL, Model: "test-model", APIKey: "sk-test-heads-1"})
		require.NoError(t, err)
		w, err := worker.New(worker.Config{
			OrgURL: b.sim.Org.URL(), Coordinator: b.coord, Memory: b.mem, LeaseRefresh: 100 * time.Millisecond,
			Reviewers: []reviewer.Reviewer{reviewer.Rules(), secrets.MustNew(), llm}, HeadBytes: tt.headBytes,
			ReviewTimeout: 2 * time.Minute, Logger: slog.New(slog.DiscardHandler),
		}, client, nil)
		require.NoError(t, err)
		req := b.request(pr, events.TriggerCreated)
		// Endpoint discovery is once per client, not per review.
		_, err = client.PullRequest(context.Background(), azdo.PullRequestRef{Project: req.ProjectID, RepositoryID: req.RepositoryID, ID: req.PullRequestID})
		require.NoError(t, err)
		before := len(b.sim.Server.Requests())
		rep, err := w.Review(context.Background(), req)
		require.NoError(t, err, tt.name)
		require.Equal(t, files, rep.FilesReviewed, tt.name)
		content, rest := workertest.SplitCalls(b.sim.Server.Requests()[before:])
		calls := len(content) + len(rest)
		t.Logf("%s: %d calls: %d content reads %v, %d others", tt.name, calls, len(content), content, len(rest))
		if tt.name == "window off" {
			without = calls
		}
		require.Equal(t, without+tt.extra, calls, tt.name)
		if tt.widened > 0 {
			require.Contains(t, summaryOf(pr), fmt.Sprintf("10 head lines around each hunk (%d files)", tt.widened), tt.name)
		}
	}
}

// TestHeadsKeptOnlyForReviewersThatReadThem: the diff phase keeps head
// versions only when a reviewer the repository enables reads them again,
// so a review without one holds nothing more than the diffs.
func TestHeadsKeptOnlyForReviewersThatReadThem(t *testing.T) {
	t.Parallel()
	llm, err := llmreview.New(llmreview.Config{BaseURL: "http://127.0.0.1:1", Model: "test-model", APIKey: "sk-test-heads-2"})
	require.NoError(t, err)
	tool := analyzers.Analyzer{Name: "lint", Command: []string{"lint"}}
	tests := []struct {
		name      string
		reviewers []reviewer.Reviewer
		analyzers []analyzers.Analyzer
		config    string
		headBytes int
		want      bool
	}{
		{"built-in rules only", nil, nil, "", 0, false},
		{"model with the window", []reviewer.Reviewer{reviewer.Rules(), llm}, nil, "", 0, true},
		{"model without the window", []reviewer.Reviewer{reviewer.Rules(), llm}, nil, "llm: {context_lines: 0}\n", 0, false},
		{"model turned off by the repository", []reviewer.Reviewer{reviewer.Rules(), llm}, nil, "reviewers: {llm: false}\n", 0, false},
		{"external analyzer", nil, []analyzers.Analyzer{tool}, "", 0, true},
		{"analyzers turned off by the repository", nil, []analyzers.Analyzer{tool}, "reviewers: {analyzers: false}\n", 0, false},
		{"HeadBytes negative", []reviewer.Reviewer{reviewer.Rules(), llm}, nil, "", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := repoconfig.Defaults()
			if tt.config != "" {
				repo, err := repoconfig.Parse([]byte(tt.config))
				require.NoError(t, err)
				cfg = repoconfig.Merge(cfg, repo)
			}
			w, err := worker.New(worker.Config{OrgURL: "https://dev.azure.com/org", Reviewers: tt.reviewers, Analyzers: tt.analyzers, HeadBytes: tt.headBytes}, nil, nil)
			require.NoError(t, err)
			require.Equal(t, tt.want, w.ReadsHeads(cfg))
		})
	}
}
