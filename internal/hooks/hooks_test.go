package hooks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/hooks"
)

const hookURL = "https://ingest.example.invalid/webhooks/azure-devops?token=hook-token-51c2"

func setup(t *testing.T) (*azdotest.Sim, *azdo.Client, hooks.Target) {
	t.Helper()
	sim := azdotest.New(t)
	c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, RequestsPerSecond: -1})
	require.NoError(t, err)
	return sim, c, hooks.Target{ProjectID: sim.Project.ID(), URL: hookURL}
}

func actions(out []hooks.Outcome) []string {
	var a []string
	for _, o := range out {
		a = append(a, o.Event.EventType+" "+o.Action)
	}
	return a
}

// TestInstallTwiceLeavesOneSubscriptionPerEvent: the first install creates
// the three subscriptions, enabled, with every resource detail and the
// token in the URL; the second keeps them.
func TestInstallTwiceLeavesOneSubscriptionPerEvent(t *testing.T) {
	t.Parallel()
	sim, c, target := setup(t)
	ctx := context.Background()
	first, err := hooks.Install(ctx, c, target)
	require.NoError(t, err)
	require.Equal(t, []string{
		"git.pullrequest.created created", "git.pullrequest.updated created", "ms.vss-code.git-pullrequest-comment-event created",
	}, actions(first))
	second, err := hooks.Install(ctx, c, target)
	require.NoError(t, err)
	require.Equal(t, []string{
		"git.pullrequest.created kept", "git.pullrequest.updated kept", "ms.vss-code.git-pullrequest-comment-event kept",
	}, actions(second))

	subs, err := c.WebhookSubscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, subs, 3, "one per event")
	for _, s := range subs {
		require.Equal(t, "enabled", s.Status)
		require.Equal(t, hookURL, s.URL)
		require.Equal(t, "all", s.ResourceDetails)
		require.Equal(t, sim.Project.ID(), s.ProjectID)
		if s.EventType == "git.pullrequest.updated" {
			require.Equal(t, "PushNotification", s.NotificationType, "pushes only")
		}
	}
	status, err := hooks.Status(ctx, c, target)
	require.NoError(t, err)
	for _, o := range status {
		require.Empty(t, o.Problem, o.Event.EventType)
	}
}

// TestStatusShowsProbationAndInstallRepairs: a subscription the simulator
// put on probation, another with a rotated token and a repository-level one
// elsewhere: status names the problem and its fix, install repairs the
// first two in place and leaves the third alone.
func TestStatusShowsProbationAndInstallRepairs(t *testing.T) {
	t.Parallel()
	sim, c, target := setup(t)
	ctx := context.Background()
	probation := sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: "git.pullrequest.created", URL: hookURL,
		Status: azdosim.SubscriptionOnProbation, ProbationRetries: 3})
	rotated := sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: "git.pullrequest.updated",
		NotificationType: "PushNotification", URL: "https://ingest.example.invalid/webhooks/azure-devops?token=old-token"})
	other := sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: "git.pullrequest.created", URL: hookURL, Repository: sim.Repo})

	status, err := hooks.Status(ctx, c, target)
	require.NoError(t, err)
	require.Contains(t, status[0].Problem, "on probation")
	require.Contains(t, status[0].Problem, "hooks install")
	require.Equal(t, probation, status[0].Subscription.ID)
	require.Empty(t, status[1].Problem, "a rotated token is not visible as a problem")
	require.Contains(t, status[2].Problem, "missing")

	out, err := hooks.Install(ctx, c, target)
	require.NoError(t, err)
	require.Equal(t, []string{
		"git.pullrequest.created repaired", "git.pullrequest.updated repaired", "ms.vss-code.git-pullrequest-comment-event created",
	}, actions(out))
	require.Equal(t, probation, out[0].Subscription.ID, "repaired in place")
	require.Equal(t, rotated, out[1].Subscription.ID)
	subs, err := c.WebhookSubscriptions(ctx)
	require.NoError(t, err)
	require.Len(t, subs, 4, "the repository-level one is left alone")
	for _, s := range subs {
		require.Equal(t, "enabled", s.Status, s.ID)
		if s.ID != other {
			require.Equal(t, hookURL, s.URL, "the new token")
		}
	}
}

// TestInstallRepairsTheSameEndpointSpelledOtherwise: a subscription to
// ingest's URL spelled with another case or a trailing slash is the same
// endpoint: install repairs it in place rather than adding a second one
// that Azure DevOps would deliver through as well.
func TestInstallRepairsTheSameEndpointSpelledOtherwise(t *testing.T) {
	t.Parallel()
	for _, spelled := range []string{
		"https://ingest.example.invalid/webhooks/azure-devops/?token=old-token",
		"https://INGEST.example.invalid/webhooks/azure-devops?token=old-token",
	} {
		sim, c, target := setup(t)
		ctx := context.Background()
		old := sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: "git.pullrequest.created", URL: spelled})
		out, err := hooks.Install(ctx, c, target)
		require.NoError(t, err)
		require.Equal(t, []string{
			"git.pullrequest.created repaired", "git.pullrequest.updated created", "ms.vss-code.git-pullrequest-comment-event created",
		}, actions(out), spelled)
		require.Equal(t, old, out[0].Subscription.ID, "repaired in place")
		subs, err := c.WebhookSubscriptions(ctx)
		require.NoError(t, err)
		require.Len(t, subs, 3, "one per event")
	}
}

// TestInstallNeedsServiceHooksWrite: a PAT without vso.hooks_write gets a
// typed refusal, and nothing is created.
func TestInstallNeedsServiceHooksWrite(t *testing.T) {
	t.Parallel()
	sim, c, target := setup(t)
	sim.Server.LimitScopes(sim.PAT, "vso.code", "vso.hooks")
	_, err := hooks.Install(context.Background(), c, target)
	require.Error(t, err)
	e, ok := azdo.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, 401, e.StatusCode)
	require.NotContains(t, err.Error(), "hook-token-51c2")
	require.Zero(t, sim.Server.Count("hooks.subscriptions.replace"))
}

// TestInstallFailureLeavesAClearState: writes refused midway, each outcome
// says it failed, and one to be repaired is shown as it still is, not as
// missing or done.
func TestInstallFailureLeavesAClearState(t *testing.T) {
	t.Parallel()
	sim, c, target := setup(t)
	probation := sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: "git.pullrequest.created", URL: hookURL,
		Status: azdosim.SubscriptionOnProbation, ProbationRetries: 3})
	sim.Server.LimitScopes(sim.PAT, "vso.code", "vso.hooks")
	out, err := hooks.Install(context.Background(), c, target)
	require.Error(t, err)
	require.Equal(t, []string{
		"git.pullrequest.created failed", "git.pullrequest.updated failed", "ms.vss-code.git-pullrequest-comment-event failed",
	}, actions(out))
	require.Equal(t, probation, out[0].Subscription.ID, "still there, as it was")
	require.Equal(t, "onProbation", out[0].Subscription.Status)
	for _, o := range out {
		require.NotEmpty(t, o.Problem)
		require.NotContains(t, o.Problem, "hook-token-51c2")
	}
	require.Empty(t, out[1].Subscription.ID, "not created")
}

func TestTargetChecks(t *testing.T) {
	t.Parallel()
	_, err := hooks.Install(context.Background(), nil, hooks.Target{URL: "ingest/webhooks"})
	require.ErrorContains(t, err, "the project is required")
	require.ErrorContains(t, err, "absolute http(s) URL")
}

func TestRedact(t *testing.T) {
	t.Parallel()
	got := hooks.Redact("https://user:pw@ingest.example.invalid/webhooks/azure-devops?token=hook-token-51c2")
	require.Equal(t, "https://ingest.example.invalid/webhooks/azure-devops?…", got)
	require.False(t, strings.Contains(got, "hook-token") || strings.Contains(got, "pw"))
}
