package azdo

import (
	"context"
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
		next, err := strconv.Atoi(page.ContinuationToken)
		if page.ContinuationToken == "" || err != nil || len(page.Value) == 0 {
			return out, nil
		}
		token = &next
	}
}

// OpenPullRequest is an active pull request as a listing shows it.
type OpenPullRequest struct {
	ProjectID, ProjectName       string
	RepositoryID, RepositoryName string
	ID                           int
	// SourceCommit is the head the pull request merges (its
	// lastMergeSourceCommit), TargetCommit the target branch's.
	SourceCommit, TargetCommit string
}

// pullRequestsPageSize is how many pull requests one call asks for.
const pullRequestsPageSize = 100

// OpenPullRequests lists project's active pull requests, newest first, at
// most limit of them (limit <= 0: all), reading pages of 100.
func (c *Client) OpenPullRequests(ctx context.Context, project string, limit int) ([]OpenPullRequest, error) {
	var out []OpenPullRequest
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
		for _, pr := range *page {
			if pr.PullRequestId == nil || pr.Repository == nil || pr.Repository.Id == nil {
				continue
			}
			o := OpenPullRequest{ID: *pr.PullRequestId, RepositoryID: pr.Repository.Id.String(), RepositoryName: val(pr.Repository.Name)}
			if p := pr.Repository.Project; p != nil {
				if p.Id != nil {
					o.ProjectID = p.Id.String()
				}
				o.ProjectName = val(p.Name)
			}
			if pr.LastMergeSourceCommit != nil {
				o.SourceCommit = val(pr.LastMergeSourceCommit.CommitId)
			}
			if pr.LastMergeTargetCommit != nil {
				o.TargetCommit = val(pr.LastMergeTargetCommit.CommitId)
			}
			out = append(out, o)
		}
		if len(*page) < top || limit > 0 && len(out) >= limit {
			return out, nil
		}
	}
}
