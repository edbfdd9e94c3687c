package azdosim_test

import (
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"
	"github.com/stretchr/testify/require"
)

func TestConnectionDataReportsThePATsIdentity(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)

	data, err := location.NewClient(t.Context(), sim.Connection()).GetConnectionData(t.Context(), location.GetConnectionDataArgs{})
	require.NoError(t, err)

	for name, user := range map[string]any{"authenticatedUser": data.AuthenticatedUser, "authorizedUser": data.AuthorizedUser} {
		require.NotNil(t, user, name)
	}
	require.Equal(t, sim.User.ID, data.AuthenticatedUser.Id.String())
	require.Equal(t, sim.User.DisplayName, *data.AuthenticatedUser.ProviderDisplayName)
	require.Equal(t, sim.User.ID, data.AuthorizedUser.Id.String())
	require.Equal(t, sim.Org.ID(), data.InstanceId.String())
}

func TestOrgURLIsMatchedCaseInsensitively(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a.go": "a"}, map[string]string{"/a.go": "b"})

	for _, orgURL := range []string{
		sim.Org.URL(),
		sim.Org.URL() + "/",
		sim.Server.URL() + "/FABRIKAM%20FIBER",
		sim.Server.URL() + "/fabrikam%20fiber/",
	} {
		t.Run(orgURL, func(t *testing.T) {
			t.Parallel()
			client, err := git.NewClient(t.Context(), azuredevops.NewPatConnection(orgURL, sim.PAT))
			require.NoError(t, err)
			got, err := client.GetPullRequest(t.Context(), git.GetPullRequestArgs{
				Project:       ptr(strings.ToUpper(sim.Project.Name())),
				RepositoryId:  ptr(strings.ToLower(sim.Repo.Name())),
				PullRequestId: ptr(pr.ID()),
			})
			require.NoError(t, err)
			require.Equal(t, pr.ID(), *got.PullRequestId)
		})
	}
}
