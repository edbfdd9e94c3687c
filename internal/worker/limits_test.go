package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// countingModel is a local OpenAI-compatible server that finds nothing and
// counts the requests it answers.
func countingModel(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "c1", "object": "chat.completion", "created": 1, "model": "test-model",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": `{"findings": []}`}}},
			"usage": map[string]any{"prompt_tokens": 300, "completion_tokens": 5, "total_tokens": 305},
		})
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// threadsByPath returns the finding threads' first comments by path, and
// the summary.
func threadsByPath(b *bundle) (map[string]string, string) {
	byPath, summary := map[string]string{}, ""
	for _, th := range b.sim.Org.PullRequest(b.req.PullRequestID).Threads() {
		content := *(*th.Comments)[0].Content
		if th.ThreadContext == nil {
			if strings.HasPrefix(content, "### azreviewer") {
				summary = content
			}
			continue
		}
		byPath[*th.ThreadContext.FilePath] = content
	}
	return byPath, summary
}

// TestLLMRequestBound: a pull request that needs more model requests than
// the operator's bound gets exactly the bound, the first files in
// pull-request order; the summary names the files the model was not sent,
// and the rules' findings on those files are still posted. The
// repository's file can lower the bound, but neither lifting its limits
// nor a larger llm.max_requests raises it.
func TestLLMRequestBound(t *testing.T) {
	t.Parallel()
	const bound = 2
	tests := []struct {
		name, config string
		wantRequests int
	}{
		{"no file", "", bound},
		{"a hostile file", "limits: {max_files: 0, max_lines: 0}\nllm: {max_requests: 1000, context_lines: 0}\n", bound},
		{"a file that lowers it", "llm: {max_requests: 1}\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			model, requests := countingModel(t)
			// At the smallest input budget each file, some 1.2 KB, takes a
			// request of its own: five files need five requests.
			llm, err := llmreview.New(llmreview.Config{BaseURL: model.URL, Model: "test-model",
				MaxInputTokens: llmreview.MinMaxInputTokens, MaxRequests: bound})
			require.NoError(t, err)
			base, head := map[string]string{}, map[string]string{}
			if tt.config != "" {
				base["/.azreviewer.yaml"] = tt.config
			}
			for f := range 5 {
				var sb strings.Builder
				for l := range 18 {
					fmt.Fprintf(&sb, "export const value_%d_%d = compute(%d, \"a line of file %d\");\n", f, l, l, f)
				}
				sb.WriteString("console.log(\"debugging\");\n")
				head[fmt.Sprintf("/src/f%d.js", f)] = sb.String()
			}
			b := setupWith(t, base, withBase(base, head),
				func(_ *azdo.Config, w *worker.Config) { w.Reviewers = []reviewer.Reviewer{reviewer.Rules(), llm} })
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)

			require.EqualValues(t, tt.wantRequests, requests.Load(), "requests sent")
			byPath, summary := threadsByPath(b)
			notSent := 5 - tt.wantRequests
			require.Contains(t, summary, fmt.Sprintf("Not reviewed by the model (at most %d requests per review): %d changed files, ", tt.wantRequests, notSent))
			for f := range 5 {
				path := fmt.Sprintf("/src/f%d.js", f)
				require.Contains(t, byPath[path], "debug/console-log", "the rules review %s", path)
				// The summary renders the path as text: its dot escaped.
				named := `"` + strings.ReplaceAll(path, ".", `\.`) + `"`
				if f < tt.wantRequests {
					require.NotContains(t, summary, named, "%s was sent", path)
				} else {
					require.Contains(t, summary, named, "%s is named as not sent", path)
				}
			}
			require.Equal(t, 5, rep.ThreadsPosted)
		})
	}
}

// TestDefaultLimitsReviewWholePR: at the repository defaults, the rules
// review files past the 300th and past 20,000 added lines, the old
// defaults.
func TestDefaultLimitsReviewWholePR(t *testing.T) {
	t.Parallel()
	const finding = "console.log(\"debugging\");\n"
	tests := []struct {
		name     string
		head     func() map[string]string
		wantOn   []string
		wantSkip int
	}{
		{"310 files", func() map[string]string {
			head := map[string]string{}
			for f := 1; f <= 310; f++ {
				content := fmt.Sprintf("export const v%d = %d;\n", f, f)
				if f > 300 {
					content += finding
				}
				head[fmt.Sprintf("/src/f%03d.js", f)] = content
			}
			return head
		}, []string{"/src/f301.js", "/src/f305.js", "/src/f310.js"}, 0},
		{"25,000 added lines", func() map[string]string {
			var sb strings.Builder
			for l := range 25000 {
				fmt.Fprintf(&sb, "export const v%d = %d;\n", l, l)
			}
			return map[string]string{"/src/a.js": sb.String(), "/src/b.js": finding}
		}, []string{"/src/b.js"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupWith(t, map[string]string{"/README.md": "x\n"}, withBase(map[string]string{"/README.md": "x\n"}, tt.head()))
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			require.Equal(t, tt.wantSkip, rep.SkippedFiles, "nothing skipped")
			byPath, summary := threadsByPath(b)
			for _, path := range tt.wantOn {
				require.Contains(t, byPath[path], "debug/console-log", "a rule finding on %s", path)
			}
			require.NotContains(t, summary, "Not reviewed")
		})
	}
}
