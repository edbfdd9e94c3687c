package worker_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestStatusOfAReviewThatWritesNothing: a review that writes nothing (a
// re-review of the same iteration) judges the status by the pull request's
// threads, not by its findings. A model's finding back on the thread
// azreviewer fixed leaves that thread fixed (a model varies between runs),
// so it does not fail the status; before, the status failed with no open
// thread to resolve. In both thread modes.
func TestStatusOfAReviewThatWritesNothing(t *testing.T) {
	for _, mode := range threadModes {
		t.Run(mode.name, func(t *testing.T) {
			answers := []string{"bug", "", "bug"}
			h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy + "// 0\n"})
			var n atomic.Int32
			model := newChat(t, func(_ string, structured bool) string {
				if !structured {
					return "No."
				}
				c := answers[min(int(n.Add(1)-1), len(answers)-1)]
				if c == "" {
					return noFindings
				}
				data, _ := json.Marshal(map[string]any{"findings": []map[string]any{{
					"path": "/a.js", "start_line": 2, "end_line": 2, "severity": "error",
					"category": c, "message": "This may be wrong.", "replacement": "",
				}}})
				return string(data)
			})
			llm, err := llmreview.New(llmreview.Config{BaseURL: model.srv.URL, Model: "test-model", APIKey: "sk-test"})
			require.NoError(t, err)
			w := h.worker(t, mode.tune, func(c *worker.Config) {
				c.BlockingSeverity = reviewer.SeverityWarning
				c.Reviewers = []reviewer.Reviewer{llm}
			})
			ctx := context.Background()
			var statuses []string
			rep, err := w.Review(ctx, h.request())
			require.NoError(t, err)
			statuses = append(statuses, rep.Status)
			h.push(map[string]string{"/a.js": noisy + "// 1\n"})
			rep, err = w.Review(ctx, h.request())
			require.NoError(t, err)
			statuses = append(statuses, rep.Status)
			req := h.request()
			req.EventID = "e-again"
			req.Trigger, req.Comment = events.TriggerComment, &events.CommentRef{CommentID: 1, Content: "/azreviewer review"}
			rep, err = w.Review(ctx, req)
			require.NoError(t, err)
			statuses = append(statuses, rep.Status)
			req.EventID, req.Comment = "e-again2", &events.CommentRef{CommentID: 2, Content: "/azreviewer review"}
			rep, err = w.Review(ctx, req)
			require.NoError(t, err)
			statuses = append(statuses, rep.Status)
			require.Zero(t, rep.Reopened, "a model's finding reopens nothing")
			_, fixed, _ := findingThreadIDs(t, h.pr)
			require.Len(t, fixed, 1, "the model's thread stays fixed")
			require.Equal(t, []string{"failed", "succeeded", "succeeded", "succeeded"}, statuses, "re-reviews of the model's fixed finding")
		})
	}
}

// TestStatusOfAReReviewAfterWontFix: a finding whose thread a person set to
// won't fix does not fail the status of a re-review that writes nothing
// (/azreviewer review), as it does not on the next push.
func TestStatusOfAReReviewAfterWontFix(t *testing.T) {
	for _, mode := range threadModes {
		t.Run(mode.name, func(t *testing.T) {
			h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
			w := h.worker(t, mode.tune, func(c *worker.Config) { c.BlockingSeverity = reviewer.SeverityWarning })
			ctx := context.Background()
			rep, err := w.Review(ctx, h.request())
			require.NoError(t, err)
			statuses := []string{rep.Status}
			_, _, ids := findingThreadIDs(t, h.pr)
			h.setStatus(t, ids[0], azdo.ThreadWontFix)
			for i := range 2 {
				req := h.request()
				req.EventID = "again"
				req.Trigger, req.Comment = events.TriggerComment, &events.CommentRef{CommentID: 10 + i, Content: "/azreviewer review"}
				rep, err = w.Review(ctx, req)
				require.NoError(t, err)
				statuses = append(statuses, rep.Status)
			}
			h.push(map[string]string{"/a.js": noisy + "// x\n"})
			rep, err = w.Review(ctx, h.request())
			require.NoError(t, err)
			statuses = append(statuses, "push:"+rep.Status)
			require.Equal(t, []string{"failed", "succeeded", "succeeded", "push:succeeded"}, statuses)
		})
	}
}
