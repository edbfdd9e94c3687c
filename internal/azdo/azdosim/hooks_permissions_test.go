package azdosim_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/security"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/servicehooks"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

func TestHiddenSubscriptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		deny    bool
		hidden  azdosim.HiddenSubscriptions
		want    int // subscriptions listed
		wantErr int // HTTP status of a refused list
	}{
		{name: "visible", want: 2},
		{name: "denied, omitted", deny: true, hidden: azdosim.HiddenOmitted, want: 1},
		{name: "denied, forbidden", deny: true, hidden: azdosim.HiddenForbidden, wantErr: 403},
		{name: "allowed again", want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			other := sim.Org.AddProject("Other")
			id := sim.Project.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestCreated, URL: "https://r.example/"})
			other.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestCreated, URL: "https://r.example/"})
			sim.Org.SetHiddenSubscriptions(tt.hidden)
			sim.Project.DenyHooks(sim.User, azdosim.HooksViewSubscriptions|azdosim.HooksEditSubscriptions)
			if !tt.deny {
				sim.Project.AllowHooks(sim.User, azdosim.HooksViewSubscriptions)
			}
			hooks := servicehooks.NewClient(t.Context(), sim.Connection())
			subs, err := hooks.ListSubscriptions(t.Context(), servicehooks.ListSubscriptionsArgs{})
			_, getErr := hooks.GetSubscription(t.Context(), servicehooks.GetSubscriptionArgs{SubscriptionId: ptr(uuid.MustParse(id))})
			if tt.wantErr != 0 {
				wrapped := requireAzureError(t, err, tt.wantErr, "AccessCheckException")
				require.Contains(t, wrapped.Error(), "View Subscriptions")
				requireAzureError(t, getErr, tt.wantErr, "AccessCheckException")
			} else {
				require.NoError(t, err)
				require.Len(t, *subs, tt.want)
				if tt.deny {
					requireAzureError(t, getErr, 404, "SubscriptionNotFoundException")
				} else {
					require.NoError(t, getErr)
				}
			}

			// The ServiceHooks namespace evaluates the same deny; the Git
			// namespace is unaffected.
			ns := uuid.MustParse(azdosim.ServiceHooksNamespace)
			got, err := security.NewClient(t.Context(), sim.Connection()).HasPermissions(t.Context(), security.HasPermissionsArgs{
				SecurityNamespaceId: &ns, Permissions: ptr(int(azdosim.HooksViewSubscriptions)),
				Tokens: ptr("PublisherSecurity/" + sim.Project.ID() + ",PublisherSecurity/" + other.ID() + ",PublisherSecurity"),
			})
			require.NoError(t, err)
			require.Equal(t, []bool{!tt.deny, true, true}, *got)
		})
	}
}
