package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/llmreview/llmtest"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestLLMBudgetSetting: two workers built as cmd/worker builds them, with
// --llm-budget, consume reviews of three pull requests of one file each
// (one model request each) from one stream. At a budget of 2 the model
// gets exactly 2 requests between the workers and the third review's
// summary says the budget is spent; at 0 (off) it gets all 3.
func TestLLMBudgetSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		budget       string
		wantRequests int32
	}{
		{"a budget of 2", "2", 2},
		{"no budget", "0", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int32
			hostile := llmtest.Hostile(0, 0)
			model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				hostile.ServeHTTP(w, r)
			}))
			t.Cleanup(model.Close)
			sim := azdotest.New(t)
			cfg := streams.Config{Memory: true}
			b := eventstest.Start(t, cfg)
			var workers []*apptest.Worker
			for i := range 2 {
				w, err := apptest.StartWorker(context.Background(), apptest.WorkerOptions{
					JS: b.JS, Stream: cfg, OrgURL: sim.Org.URL(), PAT: sim.PAT, Name: fmt.Sprintf("w%d", i),
					Args: []string{"--llm-base-url", model.URL, "--llm-model", "test-model", "--llm-budget", tt.budget},
				})
				require.NoError(t, err)
				t.Cleanup(func() { require.NoError(t, w.Stop()) })
				workers = append(workers, w)
			}
			prs := make([]*azdosim.PullRequest, 3)
			for i := range prs {
				prs[i] = sim.NewPullRequest(map[string]string{"/c.txt": "x\n"}, map[string]string{"/c.txt": "x\n", fmt.Sprintf("/f%d.js", i): "let a = 1;\n"})
				_, err := events.NewPublisher(b.JS, fleet.Names{}).Publish(context.Background(), &events.ReviewRequest{
					Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: fmt.Sprintf("e%d", i),
					ProjectID: sim.Project.ID(), RepositoryID: sim.Repo.ID(), PullRequestID: prs[i].ID(), SourceCommit: prs[i].Head(),
				})
				require.NoError(t, err)
			}
			require.Eventually(t, func() bool {
				n := 0
				for _, w := range workers {
					for _, h := range w.Handled() {
						if h.Err == nil && h.Report.Outcome == worker.OutcomeReviewed {
							n++
						}
					}
				}
				return n == len(prs)
			}, 30*time.Second, 20*time.Millisecond)
			require.Equal(t, tt.wantRequests, requests.Load())
			spent := 0
			for _, pr := range prs {
				for _, th := range pr.Threads() {
					if azdo.ThreadProperty(th, worker.PropSummary) != "" &&
						strings.Contains(*(*th.Comments)[0].Content, "the organisation's LLM budget of 2 requests per 1h0m0s is spent until") {
						spent++
					}
				}
			}
			require.Equal(t, 3-int(tt.wantRequests), spent, "the summaries that say the budget is spent")
		})
	}
}
