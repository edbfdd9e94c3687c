package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestWorkerSpendsFromTheIdentityBudget: an organisation with
// azure_budget in the organisations file has its worker's Azure DevOps
// calls spent from the identity-wide budget in the fleet's bucket, by
// the real SDK against the simulator: the review is done, and the budget
// metrics say what was leased and spent for that organisation.
func TestWorkerSpendsFromTheIdentityBudget(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	path := filepath.Join(t.TempDir(), "orgs.yaml")
	file := fmt.Sprintf("organizations:\n  - url: %s\n    name: fabrikam\n    azure_budget: 6000\n    credential: {pat: %q}\n", sim.Org.URL(), sim.PAT)
	require.NoError(t, os.WriteFile(path, []byte(file), 0o600))

	hook := &app.Ingest{Token: "budget-hook-token-5d1e"}
	fleet := apptest.Start(t, apptest.Options{OrgsFile: path, Hook: hook})
	d := deliver(t, fleet.WebhookURL, hook, pr.Event(servicehooks.EventPullRequestCreated))
	require.Equal(t, http.StatusAccepted, d.status)
	require.Len(t, waitForSummary(t, pr), 2, "the finding and the summary")

	spent := counter(t, fleet.Registry, "azreviewer_azdo_budget_spent_units_total", "org", "fabrikam")
	leased := counter(t, fleet.Registry, "azreviewer_azdo_budget_leased_units_total", "org", "fabrikam")
	require.Positive(t, spent, "the worker's calls spent from the budget")
	require.GreaterOrEqual(t, leased, spent, "from slices leased in the fleet's bucket, not the fallback")
	require.Zero(t, counter(t, fleet.Registry, "azreviewer_azdo_budget_fallback_total", "org", "fabrikam"))
}

// TestWorkerDefaultsToAnIdentityBudget: a worker started on the flags'
// defaults, as cmd/worker starts it, spends its Azure DevOps calls from
// the identity-wide budget in the fleet's bucket (AZDO_BUDGET's default),
// and a budget of 0 turns it off.
func TestWorkerDefaultsToAnIdentityBudget(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		args  []string
		spent bool
	}{
		{"defaults", nil, true},
		{"AZDO_BUDGET=0", []string{"--azdo-budget", "0"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			pr := sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
			c, wc, err := apptest.WorkerFlags(append([]string{"--azdo-org-url", sim.Org.URL(), "--azdo-pat", sim.PAT}, tt.args...)...)
			require.NoError(t, err)
			b := eventstest.Start(t, streams.Config{Memory: true})
			c.Stream = streams.Config{Memory: true}
			reg := prometheus.NewRegistry()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- app.RunWorker(ctx, c, wc, app.WorkerDeps{JS: b.JS, Stream: b.Stream, Registry: reg, Log: slog.New(slog.DiscardHandler)})
			}()
			t.Cleanup(func() {
				cancel()
				require.NoError(t, <-done)
			})
			_, err = events.NewPublisher(b.JS, fleet.Names{}).Publish(ctx, &events.ReviewRequest{
				Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "budget-default",
				ProjectID: sim.Project.ID(), RepositoryID: sim.Repo.ID(), PullRequestID: pr.ID(), SourceCommit: pr.Head(),
			})
			require.NoError(t, err)
			require.Len(t, waitForSummary(t, pr), 2, "the finding and the summary")
			spent := sumCounter(t, reg, "azreviewer_azdo_budget_spent_units_total")
			if tt.spent {
				require.Positive(t, spent, "the review's calls were spent from the identity budget")
			} else {
				require.Zero(t, spent, "no budget: the per-process limits alone")
			}
		})
	}
}

// sumCounter is the sum of every series of the counter name in reg.
func sumCounter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	var sum float64
	for _, f := range families {
		if f.GetName() == name {
			for _, m := range f.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
