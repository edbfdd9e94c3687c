package app_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
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
