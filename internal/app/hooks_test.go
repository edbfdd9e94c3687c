package app_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestHooksCommands: install run twice leaves one subscription per event;
// status then passes; a subscription put on probation fails status with its
// fix; no output holds the PAT or the webhook token.
func TestHooksCommands(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	const token = "hook-token-77ab10"
	url := "https://ingest.example.invalid/webhooks/azure-devops?token=" + token
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := app.HooksMain(context.Background(), append(args, "--azdo-org-url", sim.Org.URL(), "--azdo-pat", sim.PAT, "--project", sim.Project.Name()), &out, &errOut)
		all := out.String() + errOut.String()
		require.NotContains(t, all, sim.PAT)
		require.NotContains(t, all, token)
		return out.String(), err
	}
	for range 2 {
		_, err := run("install", "--webhook-url", url)
		require.NoError(t, err)
	}
	require.Equal(t, 3, sim.Server.Count("hooks.subscriptions.create"), "created once")
	out, err := run("status", "--webhook-url", url)
	require.NoError(t, err, out)
	require.Contains(t, out, "git.pullrequest.updated (PushNotification)")
	require.Contains(t, out, "webhooks/azure-devops?…")

	sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: "ms.vss-code.git-pullrequest-comment-event", URL: url,
		Status: azdosim.SubscriptionOnProbation, Repository: sim.Repo})
	out, err = run("status", "--repository", sim.Repo.Name())
	require.ErrorIs(t, err, app.ErrChecksFailed)
	require.Contains(t, out, "on probation")
	require.Contains(t, out, "missing", "the repository has no created or updated subscription of its own")

	_, err = run("frobnicate")
	require.ErrorIs(t, err, app.ErrUsage)
}
