package azdo

import (
	"context"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// StatusState is the state of a pull-request status.
type StatusState string

// Status states (Azure's GitStatusState values).
const (
	StatusSucceeded     StatusState = "succeeded"
	StatusFailed        StatusState = "failed"
	StatusError         StatusState = "error"
	StatusPending       StatusState = "pending"
	StatusNotApplicable StatusState = "notApplicable"
	StatusNotSet        StatusState = "notSet"
)

// Status is a pull-request status, e.g. azreviewer/review: succeeded.
type Status struct {
	// ID is the status's id; Azure DevOps sets it (CreateStatus returns it).
	ID int
	// Genre and Name form the status context, shown as "genre/name"; branch
	// policies require statuses by it.
	Genre, Name string
	State       StatusState
	Description string
	// Iteration pins the status to an iteration (0: the pull request).
	Iteration int
}

// CreateStatus posts a pull-request status; Azure DevOps shows the newest
// one of each context. It returns the status as Azure DevOps keeps it.
func (c *Client) CreateStatus(ctx context.Context, ref PullRequestRef, s Status) (Status, error) {
	st := &git.GitPullRequestStatus{
		Context:     &git.GitStatusContext{Genre: &s.Genre, Name: &s.Name},
		State:       ptr(git.GitStatusState(s.State)),
		Description: &s.Description,
	}
	if s.Iteration > 0 {
		st.IterationId = &s.Iteration
	}
	got, err := c.git.CreatePullRequestStatus(ctx, git.CreatePullRequestStatusArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, Status: st,
	})
	if err != nil {
		return Status{}, wrap("create pull request status", err)
	}
	return toStatus(got), nil
}

func toStatus(st *git.GitPullRequestStatus) Status {
	if st == nil {
		return Status{}
	}
	out := Status{ID: val(st.Id), State: StatusState(val(st.State)), Description: val(st.Description), Iteration: val(st.IterationId)}
	if c := st.Context; c != nil {
		out.Genre, out.Name = val(c.Genre), val(c.Name)
	}
	return out
}
