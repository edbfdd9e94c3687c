package worker_test

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestModelFindingBackDoesNotReopen: a model is not deterministic and may
// report a finding on one push and not on the next, or under another
// category. Its finding back after azreviewer marked its thread fixed
// leaves the thread fixed: over several pushes the status stays
// succeeded once the finding is first gone and no "back" reply is added,
// in both thread modes. A built-in rule's finding that comes and goes
// with the code reopens its thread every time it is back.
func TestModelFindingBackDoesNotReopen(t *testing.T) {
	t.Parallel()
	const reviews = 6
	tests := []struct {
		name string
		// categories is the model's answer to the n-th review request
		// (cyclic): a finding of that category on /a.js line 2, or none
		// for "". nil runs the built-in rules instead of the model.
		categories []string
		// severity is the model's findings' ("" for error); the blocking
		// severity is warning.
		severity string
		// content is /a.js at review i.
		content      func(i int) string
		wantStatuses []string
		wantReopened int
		wantThreads  int
		wantReplies  int
		// wantGetsBack is, in the index mode, how many threads the third
		// review (the finding back) reads by id: its fixed thread when
		// it may reopen it or when the finding blocks (a person may have
		// reactivated it), a thread to resolve, the read-back of each
		// write, the summary's among them.
		wantGetsBack int
	}{
		{
			name:         "model finding on every other push",
			categories:   []string{"bug", ""},
			content:      func(i int) string { return noisy + fmt.Sprintf("// edit %d\n", i) },
			wantStatuses: []string{"failed", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded"},
			wantGetsBack: 2,
			wantThreads:  1,
		},
		{
			name:         "model finding below the blocking severity on every other push",
			categories:   []string{"bug", ""},
			severity:     "info",
			content:      func(i int) string { return noisy + fmt.Sprintf("// edit %d\n", i) },
			wantStatuses: []string{"succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "succeeded"},
			wantGetsBack: 1,
			wantThreads:  1,
		},
		{
			// The two fingerprints trade places: each thread is posted
			// once and resolved once, and then stays fixed.
			name:         "model category changes on every push",
			categories:   []string{"bug", "correctness"},
			content:      func(i int) string { return noisy + fmt.Sprintf("// edit %d\n", i) },
			wantStatuses: []string{"failed", "failed", "succeeded", "succeeded", "succeeded", "succeeded"},
			wantGetsBack: 4,
			wantThreads:  2,
		},
		{
			name: "rule finding on every other push",
			content: func(i int) string {
				if i%2 == 0 {
					return noisy + fmt.Sprintf("// edit %d\n", i)
				}
				return quiet + fmt.Sprintf("// edit %d\n", i)
			},
			wantStatuses: []string{"failed", "succeeded", "failed", "succeeded", "failed", "succeeded"},
			wantReopened: 2,
			wantGetsBack: 3,
			wantThreads:  1,
			wantReplies:  2,
		},
	}
	for _, mode := range threadModes {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": tt.content(0)})
				var reviewers []reviewer.Reviewer
				if tt.categories != nil {
					var n atomic.Int32
					model := newChat(t, func(_ string, structured bool) string {
						if !structured {
							return "No."
						}
						category := tt.categories[int(n.Add(1)-1)%len(tt.categories)]
						if category == "" {
							return noFindings
						}
						data, err := json.Marshal(map[string]any{"findings": []map[string]any{{
							"path": "/a.js", "start_line": 2, "end_line": 2, "severity": cmp.Or(tt.severity, "error"),
							"category": category, "message": "This may be wrong.", "replacement": "",
						}}})
						require.NoError(t, err)
						return string(data)
					})
					llm, err := llmreview.New(llmreview.Config{BaseURL: model.srv.URL, Model: "test-model", APIKey: "sk-test"})
					require.NoError(t, err)
					reviewers = []reviewer.Reviewer{llm}
				}
				w := h.worker(t, mode.tune, func(c *worker.Config) {
					c.BlockingSeverity = reviewer.SeverityWarning
					if reviewers != nil {
						c.Reviewers = reviewers
					}
				})
				ctx := context.Background()
				var statuses []string
				reopened := 0
				for i := range reviews {
					if i > 0 {
						h.push(map[string]string{"/a.js": tt.content(i)})
					}
					var rep worker.Report
					var err error
					calls := h.calls(func() { rep, err = w.Review(ctx, h.request()) })
					require.NoError(t, err)
					if mode.name == "index" && i > 0 {
						require.Zero(t, calls["git.threads.list"], "review %d: %v", i, calls)
					}
					if mode.name == "index" && i == 2 {
						require.Equal(t, tt.wantGetsBack, calls["git.threads.get"], "%v", calls)
					}
					require.Zero(t, rep.ReviewerErrors)
					statuses = append(statuses, rep.Status)
					reopened += rep.Reopened
				}
				require.Equal(t, tt.wantStatuses, statuses)
				require.Equal(t, tt.wantReopened, reopened)
				_, fixed, ids := findingThreadIDs(t, h.pr)
				require.Len(t, ids, tt.wantThreads, "each finding posted once")
				require.Len(t, fixed, tt.wantThreads, "every thread fixed after the last review")
				replies := 0
				for _, id := range ids {
					th, err := h.client.Thread(ctx, h.ref(), id)
					require.NoError(t, err)
					replies += len(th.Comments) - 1
				}
				require.Equal(t, tt.wantReplies, replies, "a reply for each reopen")
			})
		}
	}
}
