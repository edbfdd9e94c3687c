package azdosim

import (
	"slices"
	"strconv"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/core"
)

// listProjects serves GET {org}/_apis/projects: the organization's projects
// by name, $top at a time (default 100), with the next page's
// continuation token (the index of its first project) in the
// x-ms-continuationtoken header while more are left, as Azure DevOps pages
// this list.
func (c *call) listProjects() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	q := c.r.URL.Query()
	top, _ := strconv.Atoi(q.Get("$top"))
	if top <= 0 {
		top = 100
	}
	from, _ := strconv.Atoi(q.Get("continuationToken"))
	projects := slices.Clone(c.org.projects)
	slices.SortFunc(projects, func(a, b *Project) int { return strings.Compare(a.name, b.name) })
	from = min(max(from, 0), len(projects))
	to := min(from+top, len(projects))
	out := make([]core.TeamProjectReference, 0, to-from)
	wellFormed := core.ProjectStateValues.WellFormed
	for _, p := range projects[from:to] {
		out = append(out, core.TeamProjectReference{Id: ptr(p.id), Name: ptr(p.name), State: &wellFormed,
			Url: ptr(c.org.URL() + "/_apis/projects/" + p.id.String())})
	}
	resp, err := collectionResponse(out)
	if err == nil && to < len(projects) {
		resp.header = map[string]string{azuredevops.HeaderKeyContinuationToken: strconv.Itoa(to)}
	}
	return resp, err
}

// listProjectPullRequests serves GET {project}/_apis/git/pullRequests: the
// project's pull requests of every repository (see pullRequestsWhere).
func (c *call) listProjectPullRequests() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	p := c.org.findProject(c.project)
	if p == nil {
		return nil, errProjectNotFound(c.project)
	}
	return c.pullRequestsWhere(func(pr *PullRequest) bool { return pr.repo.project == p })
}
