package azdosim_test

import (
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"
	"github.com/stretchr/testify/require"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	getPR := git.GetPullRequestArgs{Project: ptr(sim.Project.Name()), RepositoryId: ptr(sim.Repo.Name()), PullRequestId: ptr(pr.ID())}

	t.Run("bad PAT fails discovery with 401", func(t *testing.T) {
		t.Parallel()
		_, err := git.NewClient(t.Context(), azuredevops.NewPatConnection(sim.Org.URL(), "not-a-valid-pat"))
		wrapped := requireAzureError(t, err, 401, "UnauthorizedRequestException")
		require.Contains(t, wrapped.Error(), "TF400813: The user '")
		require.Contains(t, wrapped.Error(), "is not authorized to access this resource.")
	})
	t.Run("bad PAT on a direct call", func(t *testing.T) {
		t.Parallel()
		conn := azuredevops.NewPatConnection(sim.Org.URL(), "not-a-valid-pat")
		_, err := location.NewClient(t.Context(), conn).GetConnectionData(t.Context(), location.GetConnectionDataArgs{})
		requireAzureError(t, err, 401, "UnauthorizedRequestException")
	})
	t.Run("anonymous may discover but not read", func(t *testing.T) {
		t.Parallel()
		client, err := git.NewClient(t.Context(), azuredevops.NewAnonymousConnection(sim.Org.URL()))
		require.NoError(t, err)
		_, err = client.GetPullRequest(t.Context(), getPR)
		wrapped := requireAzureError(t, err, 401, "UnauthorizedRequestException")
		require.Contains(t, wrapped.Error(), "anonymous")
	})
	t.Run("any user name with a valid PAT", func(t *testing.T) {
		t.Parallel()
		conn := azuredevops.NewPatConnection(sim.Org.URL(), sim.PAT)
		conn.AuthorizationString = azuredevops.CreateBasicAuthHeaderValue("someone", sim.PAT)
		client, err := git.NewClient(t.Context(), conn)
		require.NoError(t, err)
		_, err = client.GetPullRequest(t.Context(), getPR)
		require.NoError(t, err)
	})
	t.Run("a PAT is valid in every org", func(t *testing.T) {
		t.Parallel()
		// AddOrg runs concurrently with the other subtests' requests.
		other := sim.Server.AddOrg("Other Org " + t.Name())
		data, err := location.NewClient(t.Context(), azuredevops.NewPatConnection(other.URL(), sim.PAT)).
			GetConnectionData(t.Context(), location.GetConnectionDataArgs{})
		require.NoError(t, err)
		require.Equal(t, sim.User.ID, data.AuthenticatedUser.Id.String())
	})
}

func TestNotFoundErrors(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	other := sim.Project.AddRepository("Other")
	client := gitClient(t, sim)

	tests := []struct {
		name          string
		project, repo string
		id            int
		typeKey       string
		message       string
	}{
		{"unknown project", "No Such Project", sim.Repo.Name(), pr.ID(), "ProjectDoesNotExistWithNameException", "VS800075"},
		{"unknown repository", sim.Project.Name(), "No Such Repo", pr.ID(), "GitRepositoryNotFoundException", "TF401019"},
		{"repository name without project", "", sim.Repo.Name(), pr.ID(), "GitRepositoryNotFoundException", "TF401019"},
		{"unknown pull request", sim.Project.Name(), sim.Repo.Name(), 42, "GitPullRequestNotFoundException", "TF401180"},
		{"pull request of another repository", sim.Project.Name(), other.Name(), pr.ID(), "GitPullRequestNotFoundException", "TF401180"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := client.GetPullRequest(t.Context(), git.GetPullRequestArgs{
				Project: ptr(tt.project), RepositoryId: ptr(tt.repo), PullRequestId: ptr(tt.id),
			})
			wrapped := requireAzureError(t, err, 404, tt.typeKey)
			require.Contains(t, wrapped.Error(), tt.message)
			require.NotNil(t, wrapped.TypeName)
			require.Contains(t, *wrapped.TypeName, tt.typeKey)
		})
	}

	t.Run("unknown organization", func(t *testing.T) {
		t.Parallel()
		_, err := git.NewClient(t.Context(), azuredevops.NewPatConnection(sim.Server.URL()+"/nobody", sim.PAT))
		requireAzureError(t, err, 404, "HostNotFoundException")
	})
}
