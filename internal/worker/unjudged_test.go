package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// threadReads are the two ways a review reads azreviewer's threads: by
// the review state's index (the default between list periods), and the
// whole list (a list period of a nanosecond is always due).
var threadReads = []struct {
	name   string
	period time.Duration
	list   bool
}{
	{"index", 0, false},
	{"thread list", time.Nanosecond, true},
}

// statusByRule returns the status of each finding thread by its rule.
func statusByRule(h *history) map[string]string {
	out := map[string]string{}
	for _, th := range h.pr.Threads() {
		if rule := azdo.ThreadProperty(th, worker.PropRule); rule != "" && th.Status != nil {
			out[rule] = string(*th.Status)
		}
	}
	return out
}

// markerModel is a model that flags line 1 of /b.js as an error whenever a
// request shows a line holding "BMARKER"; seen counts those requests.
func markerModel(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		findings := []map[string]any{}
		if strings.Contains(string(body), "BMARKER") {
			seen.Add(1)
			findings = append(findings, map[string]any{"path": "/b.js", "start_line": 1, "end_line": 1, "severity": "error",
				"category": "bug", "message": "This is wrong.", "replacement": ""})
		}
		content, _ := json.Marshal(map[string]any{"findings": findings})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "c1", "object": "chat.completion", "created": 1, "model": "test-model",
			"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": string(content)}}},
			"usage": map[string]any{"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340},
		})
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// jsLines is n lines of JavaScript, each naming prefix.
func jsLines(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "const %s_%d = %d;\n", prefix, i, i)
	}
	return b.String()
}

// TestModelBoundLeavesUnseenFindingsOpen: a review bound to one model
// request does not send /b.js to the model (a file added before it takes
// the request): the model's open thread on /b.js stays open — it is not
// taken for fixed, which would also keep the finding from being posted
// again — while the rules' thread on /b.js, whose finding the push
// removed, is resolved. The next review, which sends /b.js, finds the
// model's thread there and the status stays failed.
func TestModelBoundLeavesUnseenFindingsOpen(t *testing.T) {
	t.Parallel()
	for _, read := range threadReads {
		t.Run(read.name, func(t *testing.T) {
			t.Parallel()
			model, seen := markerModel(t)
			llm, err := llmreview.New(llmreview.Config{BaseURL: model.URL, Model: "test-model", APIKey: "sk-test-x",
				MaxRequests: 1, MaxInputTokens: llmreview.MinMaxInputTokens})
			require.NoError(t, err)
			b1 := jsLines("BMARKER", 150)
			h := setupHistory(t, map[string]string{"/c.txt": "x\n"},
				map[string]string{"/c.txt": "x\n", "/b.js": b1 + "debugger;\n"})
			w := h.worker(t, func(c *worker.Config) {
				c.Reviewers = []reviewer.Reviewer{reviewer.Rules(), llm}
				c.ThreadListPeriod = read.period
			})
			rep, err := w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.Equal(t, 2, rep.ThreadsPosted, "the model's finding and the rules' on /b.js")
			require.EqualValues(t, 1, seen.Load())
			require.Equal(t, map[string]string{"llm/bug": "active", "debug/debugger": "active"}, statusByRule(h))

			// The next push adds /a.js, first in the pull request's
			// order, and removes the debugger statement from /b.js.
			h.push(map[string]string{"/c.txt": "x\n", "/a.js": jsLines("a", 150), "/b.js": b1 + "const more = 1;\n"})
			calls := h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
			require.NoError(t, err)
			require.EqualValues(t, 1, seen.Load(), "the model was not sent /b.js")
			require.Equal(t, read.list, calls["git.threads.list"] > 0, "threads read by list: %v", calls)
			require.Equal(t, 1, rep.Resolved, "the rules' finding only")
			require.Equal(t, map[string]string{"llm/bug": "active", "debug/debugger": "fixed"}, statusByRule(h))
			require.Equal(t, "failed", rep.Status, "the model's error is still open")

			// A push that changes /b.js alone: the model is sent it and
			// finds the error again, which has its thread.
			h.push(map[string]string{"/c.txt": "x\n", "/a.js": jsLines("a", 150), "/b.js": b1 + "const more = 2;\n"})
			rep, err = w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.EqualValues(t, 2, seen.Load())
			require.Equal(t, 1, rep.AlreadyPosted)
			require.Zero(t, rep.ThreadsPosted)
			require.Zero(t, rep.Resolved)
			require.Equal(t, "failed", rep.Status)
		})
	}
}

// TestModelFailedRequestLeavesItsFindingsOpen: when one request of a
// review fails and the others succeed, the review succeeds, but the
// model's threads on the files of the failed request stay open.
func TestModelFailedRequestLeavesItsFindingsOpen(t *testing.T) {
	t.Parallel()
	for _, read := range threadReads {
		t.Run(read.name, func(t *testing.T) {
			t.Parallel()
			var fail atomic.Bool
			marker, seen := markerModel(t)
			model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if fail.Load() && strings.Contains(string(body), "BMARKER") {
					http.Error(w, `{"error":{"message":"no"}}`, http.StatusBadRequest)
					return
				}
				r.Body = io.NopCloser(strings.NewReader(string(body)))
				marker.Config.Handler.ServeHTTP(w, r)
			}))
			t.Cleanup(model.Close)
			llm, err := llmreview.New(llmreview.Config{BaseURL: model.URL, Model: "test-model", APIKey: "sk-test-x",
				MaxInputTokens: llmreview.MinMaxInputTokens})
			require.NoError(t, err)
			b1 := jsLines("BMARKER", 150)
			h := setupHistory(t, map[string]string{"/c.txt": "x\n"}, map[string]string{"/c.txt": "x\n", "/b.js": b1})
			w := h.worker(t, func(c *worker.Config) {
				c.Reviewers = []reviewer.Reviewer{llm}
				c.ThreadListPeriod = read.period
			})
			rep, err := w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.Equal(t, 1, rep.ThreadsPosted)
			sent := seen.Load()

			fail.Store(true)
			h.push(map[string]string{"/c.txt": "x\n", "/a.js": jsLines("a", 150), "/b.js": b1 + "const more = 1;\n"})
			rep, err = w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.Equal(t, sent, seen.Load(), "the requests showing /b.js failed")
			require.Zero(t, rep.ReviewerErrors, "some requests failed, others succeeded: the review is partial, not failed")
			require.Zero(t, rep.Resolved)
			require.Equal(t, map[string]string{"llm/bug": "active"}, statusByRule(h))
		})
	}
}

// TestAnalyzerBoundLeavesUnseenFindingsOpen: the analyzers are given at
// most analyzers.MaxLines added lines per review. A push that adds a file
// of nearly that many lines before /src/app.js keeps /src/app.js from the
// tool: the tool's thread there stays open, while the rules' thread on
// /src/app.js, whose finding the push removed, is resolved.
func TestAnalyzerBoundLeavesUnseenFindingsOpen(t *testing.T) {
	t.Parallel()
	empty := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"fake"}},"results":[]}]}`
	// The tool flags line 2 of src/app.js whenever it is given it.
	script := fmt.Sprintf(`out='%s'; for f; do [ "$f" = ./src/app.js ] && out='%s'; done; printf '%%s' "$out"`, empty, strings.ReplaceAll(sarif, "\n", ""))
	var big strings.Builder
	for i := range analyzers.MaxLines - 1 {
		fmt.Fprintf(&big, "let v%d;\n", i)
	}
	for i, read := range threadReads {
		users := analyzerUsers(t, 16+8*i)
		t.Run(read.name, func(t *testing.T) {
			t.Parallel()
			h := setupHistory(t, map[string]string{"/src/app.js": "let a;\n"}, map[string]string{"/src/app.js": "let a;\neval(a);\ndebugger;\n"})
			w := h.worker(t, func(c *worker.Config) {
				c.Analyzers = []analyzers.Analyzer{{Name: "fake", Command: []string{"/bin/sh", "-c", script, "sh"}, AppendFiles: true, Timeout: 20 * time.Second, Users: users}}
				c.ReviewTimeout = 60 * time.Second
				c.ThreadListPeriod = read.period
			})
			rep, err := w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.Equal(t, 2, rep.ThreadsPosted, "fake/no-eval and debug/debugger on /src/app.js")
			require.Equal(t, map[string]string{"fake/no-eval": "active", "debug/debugger": "active"}, statusByRule(h))

			h.push(map[string]string{"/lib/big.js": big.String(), "/src/app.js": "let a;\neval(a);\nlet b;\n"})
			calls := h.calls(func() { rep, err = w.Review(context.Background(), h.request()) })
			require.NoError(t, err)
			require.Equal(t, read.list, calls["git.threads.list"] > 0, "threads read by list: %v", calls)
			require.Zero(t, rep.ReviewerErrors)
			require.Equal(t, 1, rep.Resolved, "the rules' finding only")
			require.Equal(t, map[string]string{"fake/no-eval": "active", "debug/debugger": "fixed"}, statusByRule(h))
		})
	}
}
