package azdosim_test

import (
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

func TestPullRequestStatuses(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	client := gitClient(t, sim)
	a := args(sim, pr.ID())

	tests := []struct {
		name   string
		status git.GitPullRequestStatus
	}{
		{"pending with iteration", git.GitPullRequestStatus{
			State:       &git.GitStatusStateValues.Pending,
			Description: ptr("Review in progress"),
			Context:     &git.GitStatusContext{Name: ptr("review"), Genre: ptr("azreviewer")},
			TargetUrl:   ptr("https://azreviewer.example/runs/1"),
			IterationId: ptr(1),
		}},
		{"succeeded with properties", git.GitPullRequestStatus{
			State:      &git.GitStatusStateValues.Succeeded,
			Context:    &git.GitStatusContext{Name: ptr("review"), Genre: ptr("azreviewer")},
			Properties: map[string]any{"findings": 0},
		}},
		{"only the context name", git.GitPullRequestStatus{
			Context: &git.GitStatusContext{Name: ptr("minimal")},
		}},
	}
	for i, tt := range tests {
		created, err := client.CreatePullRequestStatus(t.Context(), git.CreatePullRequestStatusArgs{
			Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, Status: &tt.status,
		})
		require.NoError(t, err, tt.name)
		require.Equal(t, i+1, *created.Id, tt.name)
		require.Equal(t, *tt.status.Context.Name, *created.Context.Name, tt.name)
		require.Equal(t, sim.User.ID, *created.CreatedBy.Id, tt.name)
		require.NotNil(t, created.CreationDate, tt.name)
		if tt.status.State != nil {
			require.Equal(t, *tt.status.State, *created.State, tt.name)
		} else {
			require.Equal(t, git.GitStatusStateValues.NotSet, *created.State, tt.name)
		}
	}

	list, err := client.GetPullRequestStatuses(t.Context(), git.GetPullRequestStatusesArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
	})
	require.NoError(t, err)
	require.Len(t, *list, len(tests))
	require.Equal(t, 1, *(*list)[0].IterationId)
	require.Equal(t, "https://azreviewer.example/runs/1", *(*list)[0].TargetUrl)
	require.Equal(t, typed("System.Int32", float64(0)), (*list)[1].Properties.(map[string]any)["findings"])
	require.Equal(t, *list, pr.Statuses())

	_, err = client.CreatePullRequestStatus(t.Context(), git.CreatePullRequestStatusArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
		Status: &git.GitPullRequestStatus{State: &git.GitStatusStateValues.Failed},
	})
	requireAzureError(t, err, 400, "InvalidArgumentValueException")
}
