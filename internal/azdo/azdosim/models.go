package azdosim

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/core"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// This file renders simulator state as the SDK's model types, shaped like
// the service's JSON. Every function requires the server's mutex.

// link is one entry of a "_links" object.
type link struct {
	Href string `json:"href"`
}

func azTime(t time.Time) *azuredevops.Time { return &azuredevops.Time{Time: t} }

// apiURL is the REST URL of the project.
func (p *Project) apiURL() string { return p.org.URL() + "/_apis/projects/" + p.id.String() }

func (p *Project) model() *core.TeamProjectReference {
	return &core.TeamProjectReference{
		Id:         ptr(p.id),
		Name:       ptr(p.name),
		Url:        ptr(p.apiURL()),
		State:      ptr(core.ProjectState("wellFormed")),
		Visibility: ptr(core.ProjectVisibility("private")),
		Revision:   ptr(uint64(1)),
	}
}

// apiURL is the REST URL of the repository, addressed by ids so that it
// survives renames, as the service does.
func (r *Repository) apiURL() string {
	return r.project.org.URL() + "/" + r.project.id.String() + "/_apis/git/repositories/" + r.id.String()
}

// webURL is the browser (and clone) URL of the repository.
func (r *Repository) webURL() string {
	return r.project.org.URL() + "/" + url.PathEscape(r.project.name) + "/_git/" + url.PathEscape(r.name)
}

func (r *Repository) model() *git.GitRepository {
	return &git.GitRepository{
		Id:              ptr(r.id),
		Name:            ptr(r.name),
		Url:             ptr(r.apiURL()),
		Project:         r.project.model(),
		DefaultBranch:   ptr(defaultBranch),
		RemoteUrl:       ptr(r.webURL()),
		WebUrl:          ptr(r.webURL()),
		IsDisabled:      ptr(false),
		IsInMaintenance: ptr(false),
		Links: map[string]link{
			"self":         {r.apiURL()},
			"project":      {r.project.apiURL()},
			"web":          {r.webURL()},
			"commits":      {r.apiURL() + "/commits"},
			"refs":         {r.apiURL() + "/refs"},
			"pullRequests": {r.apiURL() + "/pullRequests"},
			"items":        {r.apiURL() + "/items"},
			"pushes":       {r.apiURL() + "/pushes"},
		},
	}
}

func (r *Repository) commitRef(id string) *git.GitCommitRef {
	return &git.GitCommitRef{CommitId: ptr(id), Url: ptr(r.apiURL() + "/commits/" + id)}
}

// apiURL is the REST URL of the pull request.
func (pr *PullRequest) apiURL() string {
	return fmt.Sprintf("%s/pullRequests/%d", pr.repo.apiURL(), pr.id)
}

func (pr *PullRequest) model() git.GitPullRequest {
	r := pr.repo
	org := r.project.org
	m := git.GitPullRequest{
		Repository:            r.model(),
		PullRequestId:         ptr(pr.id),
		CodeReviewId:          ptr(pr.id),
		Status:                ptr(git.PullRequestStatus(pr.status)),
		CreatedBy:             org.identityRef(pr.createdBy),
		CreationDate:          azTime(pr.created),
		Title:                 ptr(pr.title),
		Description:           ptr(pr.description),
		SourceRefName:         ptr(pr.sourceRef),
		TargetRefName:         ptr(pr.targetRef),
		MergeStatus:           ptr(git.PullRequestAsyncStatusValues.Succeeded),
		MergeId:               ptr(pr.mergeID),
		IsDraft:               ptr(pr.isDraft),
		LastMergeSourceCommit: r.commitRef(pr.head()),
		LastMergeTargetCommit: r.commitRef(pr.targetCommit()),
		Reviewers:             &[]git.IdentityRefWithVote{},
		Url:                   ptr(pr.apiURL()),
		SupportsIterations:    ptr(true),
		ArtifactId: ptr(fmt.Sprintf("vstfs:///Git/PullRequestId/%s%%2f%s%%2f%d",
			r.project.id, r.id, pr.id)),
		Links: map[string]link{
			"self":         {pr.apiURL()},
			"repository":   {r.apiURL()},
			"web":          {fmt.Sprintf("%s/pullrequest/%d", r.webURL(), pr.id)},
			"statuses":     {pr.apiURL() + "/statuses"},
			"sourceBranch": {r.apiURL() + "/refs/" + strings.TrimPrefix(pr.sourceRef, "refs/")},
			"targetBranch": {r.apiURL() + "/refs/" + strings.TrimPrefix(pr.targetRef, "refs/")},
			"sourceCommit": {r.apiURL() + "/commits/" + pr.head()},
			"targetCommit": {r.apiURL() + "/commits/" + pr.targetCommit()},
			"createdBy":    {*org.identityRef(pr.createdBy).Url},
			"iterations":   {pr.apiURL() + "/iterations"},
			"workItems":    {pr.apiURL() + "/workitems"},
		},
	}
	if !pr.closed.IsZero() {
		m.ClosedDate = azTime(pr.closed)
		m.ClosedBy = org.identityRef(pr.createdBy)
	}
	return m
}

func (pr *PullRequest) iterationModel(it *iteration, includeCommits bool) git.GitPullRequestIteration {
	r := pr.repo
	m := git.GitPullRequestIteration{
		Id:              ptr(it.id),
		Description:     ptr(pr.title),
		Author:          r.project.org.identityRef(pr.createdBy),
		CreatedDate:     azTime(it.created),
		UpdatedDate:     azTime(it.created),
		Reason:          ptr(git.IterationReason(it.reason)),
		SourceRefCommit: &git.GitCommitRef{CommitId: ptr(it.source)},
		TargetRefCommit: &git.GitCommitRef{CommitId: ptr(it.target)},
		CommonRefCommit: &git.GitCommitRef{CommitId: ptr(pr.base)},
		HasMoreCommits:  ptr(false),
		Push: &git.GitPushRef{
			PushId:   ptr(it.id),
			Date:     azTime(it.created),
			PushedBy: r.project.org.identityRef(pr.createdBy),
		},
	}
	if includeCommits {
		m.Commits = &[]git.GitCommitRef{*r.commitRef(it.source)}
	}
	return m
}
