package azdosim_test

import (
	"testing"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

func TestGetRepository(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	client := gitClient(t, sim)
	for _, ref := range []string{sim.Repo.Name(), sim.Repo.ID(), "web app"} {
		got, err := client.GetRepository(t.Context(), git.GetRepositoryArgs{Project: ptr(sim.Project.Name()), RepositoryId: ptr(ref)})
		require.NoError(t, err, ref)
		require.Equal(t, sim.Repo.ID(), got.Id.String())
		require.Equal(t, sim.Project.ID(), got.Project.Id.String())
	}
	_, err := client.GetRepository(t.Context(), git.GetRepositoryArgs{Project: ptr(sim.Project.Name()), RepositoryId: ptr("nope")})
	requireAzureError(t, err, 404, "GitRepositoryNotFoundException")
}

func TestListPullRequests(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	var prs []*azdosim.PullRequest
	for range 4 {
		prs = append(prs, sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"}))
	}
	prs[1].SetStatus(azdosim.StatusAbandoned)
	client := gitClient(t, sim)
	list := func(status *git.PullRequestStatus, top int) []int {
		got, err := client.GetPullRequests(t.Context(), git.GetPullRequestsArgs{
			Project: ptr(sim.Project.Name()), RepositoryId: ptr(sim.Repo.ID()), Top: ptr(top),
			SearchCriteria: &git.GitPullRequestSearchCriteria{Status: status},
		})
		require.NoError(t, err)
		var ids []int
		for _, pr := range *got {
			ids = append(ids, *pr.PullRequestId)
		}
		return ids
	}
	active, all := git.PullRequestStatusValues.Active, git.PullRequestStatusValues.All
	require.Equal(t, []int{4, 3, 1}, list(&active, 10), "active ones, newest first")
	require.Equal(t, []int{4, 3}, list(&active, 2))
	require.Equal(t, []int{4, 3, 2, 1}, list(&all, 10))
}
