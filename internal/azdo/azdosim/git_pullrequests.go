package azdosim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// repository resolves the {project}/{repositoryId} of the URL. Without a
// project segment the repository must be given by id. A repository the
// caller may not read (no GitGenericRead) is not found, as the service
// hides it. Requires s.mu.
func (c *call) repository() (*Repository, error) {
	nameOrID := c.params["repositoryId"]
	if c.project == "" {
		if r := c.org.findRepoByID(nameOrID); r != nil && c.canRead(r) {
			return r, nil
		}
		return nil, errRepoNotFound(nameOrID)
	}
	p := c.org.findProject(c.project)
	if p == nil {
		return nil, errProjectNotFound(c.project)
	}
	r := p.findRepo(nameOrID)
	if r == nil || !c.canRead(r) {
		return nil, errRepoNotFound(nameOrID)
	}
	return r, nil
}

// pullRequest resolves the repository and {pullRequestId} of the URL.
// Requires s.mu.
func (c *call) pullRequest() (*PullRequest, error) {
	r, err := c.repository()
	if err != nil {
		return nil, err
	}
	id, err := c.intParam("pullRequestId")
	if err != nil {
		return nil, err
	}
	pr := c.org.pullRequests[id]
	if pr == nil || pr.repo != r {
		return nil, errPRNotFound()
	}
	return pr, nil
}

// getPullRequest serves GET …/repositories/{repositoryId}/pullRequests/{id}.
func (c *call) getPullRequest() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, err := c.pullRequest()
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, pr.model())
}

// getRepository serves GET …/repositories/{repositoryId} (name or id).
func (c *call) getRepository() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	r, err := c.repository()
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, r.model())
}

// listPullRequests serves GET …/repositories/{id}/pullRequests, honouring
// searchCriteria.status (default active; "all" for every status), $skip
// and $top, newest first as the service orders them.
func (c *call) listPullRequests() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	r, err := c.repository()
	if err != nil {
		return nil, err
	}
	return c.pullRequestsWhere(func(pr *PullRequest) bool { return pr.repo == r })
}

// pullRequestsWhere answers the pull requests in matches with
// searchCriteria.status (default active; "all" for any), newest first,
// $skip and $top applied. Requires s.mu.
func (c *call) pullRequestsWhere(in func(*PullRequest) bool) (*response, error) {
	q := c.r.URL.Query()
	status := q.Get("searchCriteria.status")
	if status == "" {
		status = StatusActive
	}
	var ids []int
	for id, pr := range c.org.pullRequests {
		if in(pr) && (status == "all" || strings.EqualFold(pr.status, status)) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	skip, _ := strconv.Atoi(q.Get("$skip"))
	top, _ := strconv.Atoi(q.Get("$top"))
	ids = ids[min(max(skip, 0), len(ids)):]
	if top > 0 && top < len(ids) {
		ids = ids[:top]
	}
	out := make([]git.GitPullRequest, 0, len(ids))
	for _, id := range ids {
		out = append(out, c.org.pullRequests[id].model())
	}
	return collectionResponse(out)
}

// getPullRequestByID serves GET {project}/_apis/git/pullRequests/{id}; the
// project segment is optional.
func (c *call) getPullRequestByID() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.project != "" && c.org.findProject(c.project) == nil {
		return nil, errProjectNotFound(c.project)
	}
	id, err := c.intParam("pullRequestId")
	if err != nil {
		return nil, err
	}
	pr := c.org.pullRequests[id]
	if pr == nil || (c.project != "" && pr.repo.project != c.org.findProject(c.project)) || !c.canRead(pr.repo) {
		return nil, errPRNotFound()
	}
	return jsonResponse(http.StatusOK, pr.model())
}

// listIterations serves GET …/pullRequests/{id}/iterations[?includeCommits].
func (c *call) listIterations() (*response, error) {
	includeCommits, _ := strconv.ParseBool(c.r.URL.Query().Get("includeCommits"))
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, err := c.pullRequest()
	if err != nil {
		return nil, err
	}
	out := make([]git.GitPullRequestIteration, 0, len(pr.iterations))
	for _, it := range pr.iterations {
		out = append(out, pr.iterationModel(it, includeCommits))
	}
	return collectionResponse(out)
}

// getIteration serves GET …/pullRequests/{id}/iterations/{iterationId}.
func (c *call) getIteration() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, it, err := c.pullRequestIteration()
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, pr.iterationModel(it, true))
}

// pullRequestIteration resolves the pull request and {iterationId} of the
// URL. Requires s.mu.
func (c *call) pullRequestIteration() (*PullRequest, *iteration, error) {
	pr, err := c.pullRequest()
	if err != nil {
		return nil, nil, err
	}
	id, err := c.intParam("iterationId")
	if err != nil {
		return nil, nil, err
	}
	it := pr.iteration(id)
	if it == nil {
		return nil, nil, errIterationNotFound(id)
	}
	return pr, it, nil
}

// Paging limits of iteration changes.
const (
	defaultChangesTop = 100
	maxChangesTop     = 2000
)

// changeEntry is one element of changeEntries, in the service's field order.
type changeEntry struct {
	ChangeTrackingID int        `json:"changeTrackingId"`
	ChangeID         int        `json:"changeId"`
	Item             changeItem `json:"item"`
	ChangeType       string     `json:"changeType"`
	SourceServerItem string     `json:"sourceServerItem,omitempty"`
	OriginalPath     string     `json:"originalPath,omitempty"`
}

// changeItem is the item of a change entry: the new blob (objectId), the old
// one (originalObjectId) and the path after the change.
type changeItem struct {
	ObjectID         string `json:"objectId,omitempty"`
	OriginalObjectID string `json:"originalObjectId,omitempty"`
	Path             string `json:"path"`
	// GitObjectType is "commit" for a submodule (see MarkSubmodule).
	GitObjectType string `json:"gitObjectType,omitempty"`
}

// iterationChanges is the body of GetPullRequestIterationChanges. nextSkip
// and nextTop are 0 on the last page, as the service sends them.
type iterationChanges struct {
	ChangeEntries []changeEntry `json:"changeEntries"`
	NextSkip      int           `json:"nextSkip"`
	NextTop       int           `json:"nextTop"`
}

// listIterationChanges serves GET
// …/pullRequests/{id}/iterations/{iterationId}/changes?$top&$skip&$compareTo:
// the files that differ between the iteration's source commit and the
// source commit of iteration $compareTo (0, the default, means the common
// commit, i.e. the pull request's base), sorted by path.
func (c *call) listIterationChanges() (*response, error) {
	top, err := c.intQuery("$top", defaultChangesTop)
	if err != nil {
		return nil, err
	}
	skip, err := c.intQuery("$skip", 0)
	if err != nil {
		return nil, err
	}
	compareTo, err := c.intQuery("$compareTo", 0)
	if err != nil {
		return nil, err
	}
	if skip < 0 {
		return nil, errBadRequest("The value '%d' is not valid for $skip.", skip)
	}
	if top <= 0 {
		top = defaultChangesTop
	}
	top = min(top, maxChangesTop)

	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, it, err := c.pullRequestIteration()
	if err != nil {
		return nil, err
	}
	oldCommit := pr.base
	if compareTo != 0 {
		prev := pr.iteration(compareTo)
		if prev == nil {
			return nil, errIterationNotFound(compareTo)
		}
		oldCommit = prev.source
	}
	changes := diffTrees(pr.repo.commits[oldCommit], pr.repo.commits[it.source])
	entries := make([]changeEntry, 0, len(changes))
	for i, ch := range changes {
		entries = append(entries, changeEntry{
			ChangeTrackingID: pr.trackingID(ch.path),
			ChangeID:         i + 1,
			Item:             changeItem{ObjectID: ch.objectID, OriginalObjectID: ch.originalObjectID, Path: ch.path, GitObjectType: submoduleType(pr.repo, ch.path)},
			ChangeType:       ch.changeType,
			SourceServerItem: ch.originalPath,
			OriginalPath:     ch.originalPath,
		})
	}
	out := iterationChanges{ChangeEntries: []changeEntry{}}
	if skip < len(entries) {
		end := min(skip+top, len(entries))
		out.ChangeEntries = entries[skip:end]
		if end < len(entries) {
			out.NextSkip, out.NextTop = end, top
		}
	}
	return jsonResponse(http.StatusOK, out)
}

// change is one file-level difference between two trees.
type change struct {
	path             string
	changeType       string // "add", "edit", "delete" or "rename"
	objectID         string // blob after the change; empty for deletes
	originalObjectID string // blob before the change; empty for adds
	originalPath     string // path before a rename
}

// diffTrees compares two commits (nil means an empty tree) and returns the
// changes sorted by path. A deleted file whose exact, non-empty content
// appears at an added path is reported as a rename of that path; pairs are
// chosen in path order.
func diffTrees(oldC, newC *commit) []change {
	var oldFiles, newFiles map[string]blob
	if oldC != nil {
		oldFiles = oldC.files
	}
	if newC != nil {
		newFiles = newC.files
	}
	var added, deleted []string
	var changes []change
	for p, nb := range newFiles {
		ob, ok := oldFiles[p]
		switch {
		case !ok:
			added = append(added, p)
		case ob.objectID != nb.objectID:
			changes = append(changes, change{path: p, changeType: "edit", objectID: nb.objectID, originalObjectID: ob.objectID})
		}
	}
	for p := range oldFiles {
		if _, ok := newFiles[p]; !ok {
			deleted = append(deleted, p)
		}
	}
	slices.Sort(added)
	slices.Sort(deleted)

	renamedTo := make(map[string]string) // added path → deleted path
	for _, d := range deleted {
		ob := oldFiles[d]
		if ob.content == "" {
			continue
		}
		for _, a := range added {
			if _, taken := renamedTo[a]; !taken && newFiles[a].objectID == ob.objectID {
				renamedTo[a] = d
				break
			}
		}
	}
	renamedFrom := make(map[string]bool, len(renamedTo))
	for _, a := range added {
		if d, ok := renamedTo[a]; ok {
			renamedFrom[d] = true
			changes = append(changes, change{path: a, changeType: "rename", objectID: newFiles[a].objectID,
				originalObjectID: oldFiles[d].objectID, originalPath: d})
			continue
		}
		changes = append(changes, change{path: a, changeType: "add", objectID: newFiles[a].objectID})
	}
	for _, d := range deleted {
		if !renamedFrom[d] {
			changes = append(changes, change{path: d, changeType: "delete", originalObjectID: oldFiles[d].objectID})
		}
	}
	slices.SortFunc(changes, func(a, b change) int { return strings.Compare(a.path, b.path) })
	return changes
}

// submoduleType is "commit" for a path MarkSubmodule marked, "" otherwise.
// Requires s.mu.
func submoduleType(r *Repository, path string) string {
	if r.submodules[path] {
		return "commit"
	}
	return ""
}
