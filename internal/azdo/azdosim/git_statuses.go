package azdosim

import (
	"fmt"
	"net/http"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// createStatus serves POST …/pullRequests/{id}/statuses. context.name is
// required; state defaults to "notSet"; an iterationId must name an
// existing iteration. Status ids start at 1 per pull request. It needs
// GitPullRequestContribute: the service's check for statuses is not
// documented; "Contribute to pull requests" is the permission the portal
// names for it, so the simulator checks that bit.
func (c *call) createStatus() (*response, error) {
	var in git.GitPullRequestStatus
	if err := decodeBodyEnums(c.r, &in, statusEnums()); err != nil {
		return nil, err
	}
	if in.Context == nil || in.Context.Name == nil || *in.Context.Name == "" {
		return nil, errBadRequest("The status context name is required.")
	}
	props, err := typedProperties(in.Properties)
	if err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, err := c.pullRequest()
	if err != nil {
		return nil, err
	}
	if err := c.requirePermission(pr.repo, GitPullRequestContribute); err != nil {
		return nil, err
	}
	if in.IterationId != nil && pr.iteration(*in.IterationId) == nil {
		return nil, errBadRequest("The iteration %d of pull request %d does not exist.", *in.IterationId, pr.id)
	}
	now := c.s.now()
	id := len(pr.statuses) + 1
	st := &git.GitPullRequestStatus{
		Id:           ptr(id),
		State:        in.State,
		Description:  in.Description,
		Context:      &git.GitStatusContext{Name: in.Context.Name, Genre: in.Context.Genre},
		TargetUrl:    in.TargetUrl,
		IterationId:  in.IterationId,
		CreatedBy:    c.org.identityRef(c.who),
		CreationDate: azTime(now),
		UpdatedDate:  azTime(now),
		Links: map[string]link{
			"self":       {fmt.Sprintf("%s/statuses/%d", pr.apiURL(), id)},
			"repository": {pr.repo.apiURL()},
		},
	}
	if st.State == nil || *st.State == "" {
		st.State = ptr(git.GitStatusStateValues.NotSet)
	}
	if len(props) > 0 {
		st.Properties = props
	}
	pr.statuses = append(pr.statuses, st)
	return jsonResponse(http.StatusOK, st)
}

// listStatuses serves GET …/pullRequests/{id}/statuses, oldest first.
func (c *call) listStatuses() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, err := c.pullRequest()
	if err != nil {
		return nil, err
	}
	return collectionResponse(pr.statuses)
}

// getStatus serves GET …/pullRequests/{id}/statuses/{statusId}.
func (c *call) getStatus() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, err := c.pullRequest()
	if err != nil {
		return nil, err
	}
	id, err := c.intParam("statusId")
	if err != nil {
		return nil, err
	}
	if id < 1 || id > len(pr.statuses) {
		return nil, errStatusNotFound(id)
	}
	return jsonResponse(http.StatusOK, pr.statuses[id-1])
}

// Statuses returns the pull request's statuses, oldest first, exactly as
// GetPullRequestStatuses would decode them.
func (pr *PullRequest) Statuses() []git.GitPullRequestStatus {
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]git.GitPullRequestStatus, 0, len(pr.statuses))
	for _, st := range pr.statuses {
		out = append(out, *st)
	}
	return roundTrip(out)
}
