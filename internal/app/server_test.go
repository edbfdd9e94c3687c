package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// TestAzureDevOpsServer: a fleet configured with an Azure DevOps Server
// collection URL (a virtual directory, then the collection) reviews what
// the server's webhook sends — whose account names the server and whose
// collection names the organisation.
func TestAzureDevOpsServer(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	sim.Server.SetVirtualDirectory("tfs")
	orgURL := sim.Org.URL()
	require.True(t, strings.Contains(orgURL, "/tfs/"), orgURL)
	pr := sim.NewPullRequest(map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	hook := &app.Ingest{Token: "server-hook-token-1d2e"}
	fleet := apptest.Start(t, apptest.Options{OrgURL: orgURL, PAT: sim.PAT, Hook: hook})

	got := deliver(t, fleet.WebhookURL, hook, pr.Event(servicehooks.EventPullRequestCreated))
	require.Equal(t, http.StatusAccepted, got.status, "not another organisation's")
	threads := waitForSummary(t, pr)
	require.Len(t, threads, 2, "the finding and the summary")
}
