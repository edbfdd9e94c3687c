package azdo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/core"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// Project is a team project of the organisation.
type Project struct {
	ID, Name string
}

// projectsPageSize is how many projects one call asks for.
const projectsPageSize = 100

// Projects lists the organisation's well-formed projects, reading every
// page.
func (c *Client) Projects(ctx context.Context) ([]Project, error) {
	var out []Project
	top, state := projectsPageSize, core.ProjectStateValues.WellFormed
	var token *int
	for {
		page, err := c.core.GetProjects(ctx, core.GetProjectsArgs{StateFilter: &state, Top: &top, ContinuationToken: token})
		if err != nil {
			return nil, wrap("list projects", err)
		}
		for _, p := range page.Value {
			if p.Id != nil && p.Name != nil {
				out = append(out, Project{ID: p.Id.String(), Name: *p.Name})
			}
		}
		if page.ContinuationToken == "" || len(page.Value) == 0 {
			return out, nil
		}
		// The SDK sends the token back as a number; another form would
		// end the listing short without a word.
		next, err := strconv.Atoi(page.ContinuationToken)
		if err != nil {
			return nil, fmt.Errorf("list projects: continuation token %q is not a number: %w", page.ContinuationToken, err)
		}
		token = &next
	}
}

// pullRequestsPageSize is how many pull requests one call asks for.
const pullRequestsPageSize = 100

// OpenPullRequests lists project's active pull requests, newest first, at
// most limit of them (limit <= 0: all), reading pages of 100.
func (c *Client) OpenPullRequests(ctx context.Context, project string, limit int) ([]PullRequest, error) {
	var out []PullRequest
	active := git.PullRequestStatusValues.Active
	for skip := 0; ; skip += pullRequestsPageSize {
		top := pullRequestsPageSize
		if limit > 0 {
			top = min(top, limit-len(out))
		}
		page, err := c.git.GetPullRequestsByProject(ctx, git.GetPullRequestsByProjectArgs{
			Project: &project, SearchCriteria: &git.GitPullRequestSearchCriteria{Status: &active}, Skip: &skip, Top: &top,
		})
		if err != nil {
			return nil, wrap("list active pull requests", err)
		}
		if page == nil {
			return out, nil
		}
		for i := range *page {
			// A listing's pull requests carry their repository and project,
			// and their head as lastMergeSourceCommit.
			if pr := toPullRequest(&(*page)[i]); pr.ID != 0 && pr.RepositoryID != "" {
				out = append(out, pr)
			}
		}
		if len(*page) < top || limit > 0 && len(out) >= limit {
			return out, nil
		}
	}
}
