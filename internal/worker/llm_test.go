package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestLLMReviewerWithRepositoryInstructions runs the LLM reviewer against a
// local OpenAI-compatible server: the repository's instructions and
// language reach the prompt, the finding is posted, and the summary reports
// the tokens.
func TestLLMReviewerWithRepositoryInstructions(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var prompts []string
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		prompts = append(prompts, string(body))
		mu.Unlock()
		content, _ := json.Marshal(map[string]any{"findings": []map[string]any{{
			"path": "/src/app.js", "start_line": 2, "end_line": 2, "severity": "warning",
			"category": "naming", "message": "Name the variable after what it holds.", "replacement": "",
		}}})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "c1", "object": "chat.completion", "created": 1, "model": "test-model",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": string(content)}}},
			"usage": map[string]any{"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340},
		})
	}))
	t.Cleanup(model.Close)

	llm, err := llmreview.New(llmreview.Config{BaseURL: model.URL, Model: "test-model", APIKey: "sk-test-7f2a"})
	require.NoError(t, err)
	base := map[string]string{
		"/src/app.js":       "let a;\n",
		"/.azreviewer.yaml": "llm: {instructions: \"We name things in full words.\", language: French}\n",
	}
	b := setupWith(t, base, withBase(base, map[string]string{"/src/app.js": "let a;\nlet x2 = a;\n"}),
		func(_ *azdo.Config, w *worker.Config) { w.Reviewers = []reviewer.Reviewer{reviewer.Rules(), llm} })
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 1, rep.ThreadsPosted)

	require.Len(t, prompts, 1)
	require.Contains(t, prompts[0], "We name things in full words.")
	require.Contains(t, prompts[0], "French")
	var summary, finding string
	for _, th := range b.sim.Org.PullRequest(b.req.PullRequestID).Threads() {
		if th.ThreadContext == nil {
			summary = *(*th.Comments)[0].Content
		} else {
			finding = *(*th.Comments)[0].Content
		}
	}
	require.Contains(t, finding, "llm/naming")
	require.Contains(t, summary, "LLM: 1 requests, 340 tokens (300 in, 40 out)")
	require.Contains(t, summary, "Reviewers: llm, rules.")
	require.False(t, strings.Contains(summary, "sk-test-7f2a"))
}
