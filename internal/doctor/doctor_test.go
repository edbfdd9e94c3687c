package doctor_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/doctor"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

const hookURL = "https://reviewer.fabrikam.example/webhooks/azure-devops"

func TestDoctor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		setup      func(s *azdotest.Sim) (pat string)
		want       map[string]doctor.Status
		wantInFix  []string
		wantNotIn  []string
		wantFailed bool
	}{
		{
			name: "healthy",
			setup: func(s *azdotest.Sim) string {
				allHooks(s)
				return s.PAT
			},
			want: map[string]doctor.Status{
				"PAT accepted": doctor.Pass, "Repository readable": doctor.Pass, "Pull requests readable": doctor.Pass,
				"Permission Read": doctor.Pass, "Permission Contribute to pull requests": doctor.Pass,
				"Service hook git.pullrequest.created": doctor.Pass, "Service hook git.pullrequest.updated": doctor.Pass,
				"Service hook ms.vss-code.git-pullrequest-comment-event": doctor.Pass,
			},
		},
		{
			name: "PAT owner without contribute, subscription on probation, none for comments",
			setup: func(s *azdotest.Sim) string {
				s.Repo.Deny(s.User, azdosim.GitPullRequestContribute)
				s.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: servicehooks.EventPullRequestCreated, URL: hookURL, Repository: s.Repo})
				s.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: servicehooks.EventPullRequestUpdated, URL: hookURL, Status: azdosim.SubscriptionOnProbation, ProbationRetries: 2})
				s.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: servicehooks.EventPullRequestComment, URL: "https://old-bot.example/hook"})
				return s.PAT
			},
			want: map[string]doctor.Status{
				"PAT accepted": doctor.Pass, "Permission Read": doctor.Pass,
				"Permission Contribute to pull requests":                 doctor.Fail,
				"Service hook git.pullrequest.created":                   doctor.Pass,
				"Service hook git.pullrequest.updated":                   doctor.Fail,
				"Service hook ms.vss-code.git-pullrequest-comment-event": doctor.Warn,
			},
			wantInFix:  []string{`Grant "Contribute to pull requests" on repository "Web App"`, "probation", "old-bot.example"},
			wantFailed: true,
		},
		{
			name: "subscription disabled by the system, updates filtered to votes",
			setup: func(s *azdotest.Sim) string {
				s.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: servicehooks.EventPullRequestCreated, URL: hookURL, Status: azdosim.SubscriptionDisabledBySystem})
				s.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: servicehooks.EventPullRequestUpdated, URL: hookURL, NotificationType: "ReviewerVoteNotification"})
				return s.PAT
			},
			want: map[string]doctor.Status{
				"Service hook git.pullrequest.created": doctor.Fail,
				"Service hook git.pullrequest.updated": doctor.Fail,
			},
			wantInFix:  []string{"disabledBySystem", "PushNotification"},
			wantFailed: true,
		},
		{
			name: "PAT with Code (Read & Write) and Code (Status): permissions cannot be evaluated",
			setup: func(s *azdotest.Sim) string {
				allHooks(s)
				s.Server.LimitScopes(s.PAT, "vso.code_write", "vso.code_status")
				return s.PAT
			},
			want: map[string]doctor.Status{
				"PAT accepted": doctor.Pass, "Repository readable": doctor.Pass, "Pull requests readable": doctor.Pass,
				"Permission Read": doctor.Warn, "Permission Contribute to pull requests": doctor.Warn,
				"Service hook git.pullrequest.created": doctor.Pass, "Service hook git.pullrequest.updated": doctor.Pass,
			},
			wantInFix: []string{"cannot evaluate with this PAT's scopes", "vso.security_manage", "--probe-pull-request"},
			wantNotIn: []string{"invalid or revoked", "FAIL"},
		},
		{
			name: "PAT with Kodus' scopes: permissions cannot be evaluated",
			setup: func(s *azdotest.Sim) string {
				allHooks(s)
				s.Server.LimitScopes(s.PAT, "vso.analytics", "vso.code_write", "vso.graph", "vso.identity", "vso.project", "vso.profile")
				return s.PAT
			},
			want: map[string]doctor.Status{
				"PAT accepted": doctor.Pass, "Permission Read": doctor.Warn, "Permission Contribute to pull requests": doctor.Warn,
				"Service hook git.pullrequest.updated": doctor.Pass,
			},
			wantInFix: []string{"cannot evaluate", "vso.security_manage"},
			wantNotIn: []string{"invalid or revoked", "FAIL"},
		},
		{
			name: "PAT owner without View subscriptions: subscriptions left out of the list",
			setup: func(s *azdotest.Sim) string {
				allHooks(s)
				s.Project.DenyHooks(s.User, azdosim.HooksViewSubscriptions)
				return s.PAT
			},
			want: map[string]doctor.Status{
				"Service hooks visible":                doctor.Warn,
				"Service hook git.pullrequest.created": doctor.Skip, "Service hook git.pullrequest.updated": doctor.Skip,
			},
			wantInFix: []string{"cannot see the project's service-hook subscriptions", "View subscriptions", "PublisherSecurity/", "--allow-bit 1"},
			wantNotIn: []string{"no subscription delivers", "FAIL"},
		},
		{
			name: "PAT owner without View subscriptions: the list answers 403",
			setup: func(s *azdotest.Sim) string {
				allHooks(s)
				s.Project.DenyHooks(s.User, azdosim.HooksViewSubscriptions)
				s.Org.SetHiddenSubscriptions(azdosim.HiddenForbidden)
				return s.PAT
			},
			want: map[string]doctor.Status{
				"Service hooks visible":                doctor.Warn,
				"Service hook git.pullrequest.created": doctor.Skip, "Service hook git.pullrequest.updated": doctor.Skip,
			},
			wantInFix: []string{"HTTP 403", "View subscriptions"},
			wantNotIn: []string{"Contribute to pull requests\" on", "FAIL"},
		},
		{
			name:  "no subscription exists, and the PAT owner may see them",
			setup: func(s *azdotest.Sim) string { return s.PAT },
			want: map[string]doctor.Status{
				"Service hooks visible":                doctor.Pass,
				"Service hook git.pullrequest.created": doctor.Fail, "Service hook git.pullrequest.updated": doctor.Fail,
			},
			wantInFix:  []string{"none exists", "no subscription delivers it"},
			wantNotIn:  []string{"cannot see"},
			wantFailed: true,
		},
		{
			name: "empty list and visibility cannot be evaluated: fails, naming both causes",
			setup: func(s *azdotest.Sim) string {
				allHooks(s)
				s.Project.DenyHooks(s.User, azdosim.HooksViewSubscriptions)
				s.Server.LimitScopes(s.PAT, "vso.code_write", "vso.code_status")
				return s.PAT
			},
			want: map[string]doctor.Status{
				"Service hooks visible":                doctor.Warn,
				"Service hook git.pullrequest.created": doctor.Fail, "Service hook git.pullrequest.updated": doctor.Fail,
			},
			wantInFix:  []string{"or the PAT owner cannot see them", "View subscriptions"},
			wantFailed: true,
		},
		{
			name: "sign-in page for a bad PAT",
			setup: func(s *azdotest.Sim) string {
				s.Server.SetSignInPage(true)
				return "not-a-pat"
			},
			want:       map[string]doctor.Status{"PAT accepted": doctor.Fail, "Repository readable": doctor.Skip},
			wantInFix:  []string{"sign-in page"},
			wantFailed: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"})
			pat := tt.setup(sim)
			client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: pat, MaxRetries: -1})
			require.NoError(t, err)

			checks := doctor.Run(context.Background(), client, doctor.Config{
				Project: sim.Project.Name(), Repository: sim.Repo.Name(), WebhookURL: hookURL + "?token=s3cret",
			})
			got := map[string]doctor.Status{}
			for _, c := range checks {
				got[c.Name] = c.Status
			}
			for name, status := range tt.want {
				require.Equal(t, status, got[name], "check %q in %+v", name, checks)
			}
			require.Equal(t, tt.wantFailed, doctor.Failed(checks), "%+v", checks)

			var out bytes.Buffer
			doctor.Print(&out, checks)
			for _, s := range tt.wantInFix {
				require.Contains(t, out.String(), s)
			}
			for _, s := range tt.wantNotIn {
				require.NotContains(t, out.String(), s)
			}
			require.NotContains(t, out.String(), "s3cret", "the webhook token is never printed")
			require.NotContains(t, out.String(), pat)
		})
	}
}

// allHooks adds an enabled subscription of every needed event delivering to
// hookURL.
func allHooks(s *azdotest.Sim) {
	for _, et := range []string{servicehooks.EventPullRequestCreated, servicehooks.EventPullRequestUpdated, servicehooks.EventPullRequestComment} {
		s.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: et, URL: hookURL + "?token=s3cret"})
	}
}
