package azdo

import (
	"context"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// Status is a pull-request status, e.g. azreviewer/review: succeeded.
type Status struct {
	// Genre and Name form the status context, shown as "genre/name"; branch
	// policies require statuses by it.
	Genre, Name string
	State       git.GitStatusState
	Description string
	// Iteration pins the status to an iteration (0: the pull request).
	Iteration int
}

// CreateStatus posts a pull-request status; Azure DevOps shows the newest
// one of each context.
func (c *Client) CreateStatus(ctx context.Context, ref PullRequestRef, s Status) (*git.GitPullRequestStatus, error) {
	st := &git.GitPullRequestStatus{
		Context:     &git.GitStatusContext{Genre: &s.Genre, Name: &s.Name},
		State:       &s.State,
		Description: &s.Description,
	}
	if s.Iteration > 0 {
		st.IterationId = &s.Iteration
	}
	got, err := c.git.CreatePullRequestStatus(ctx, git.CreatePullRequestStatusArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, Status: st,
	})
	return got, wrap("create pull request status", err)
}
