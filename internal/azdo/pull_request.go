package azdo

import (
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// PullRequestStatus is a pull request's state.
type PullRequestStatus string

// Pull request states (Azure's PullRequestStatus values).
const (
	PullRequestActive    PullRequestStatus = "active"
	PullRequestAbandoned PullRequestStatus = "abandoned"
	PullRequestCompleted PullRequestStatus = "completed"
)

// PullRequest is a pull request as a review reads it.
type PullRequest struct {
	ID int
	// Title and Description are the author's text.
	Title, Description string
	// Status is "" when Azure DevOps sends none.
	Status PullRequestStatus
	// ProjectID, ProjectName, RepositoryID and RepositoryName name where
	// the pull request lives.
	ProjectID, ProjectName       string
	RepositoryID, RepositoryName string
	// SourceRef and TargetRef are the branches, e.g. "refs/heads/main".
	SourceRef, TargetRef string
	// SourceCommit is the head the pull request merges (its
	// lastMergeSourceCommit), TargetCommit the target branch's.
	SourceCommit, TargetCommit string
	// Created is when the pull request was created (its creationDate), by
	// Azure DevOps's clock, in UTC; zero when Azure DevOps sends none.
	Created time.Time
}

// Iteration is one push of a pull request.
type Iteration struct {
	ID int
	// SourceCommit is the iteration's head, TargetCommit the target
	// branch's commit, CommonCommit their merge base ("" when Azure DevOps
	// sends none).
	SourceCommit, TargetCommit, CommonCommit string
}

// Repository is a Git repository of a project.
type Repository struct {
	ID, Name               string
	ProjectID, ProjectName string
	// DefaultBranch is e.g. "refs/heads/main" ("" for an empty repository).
	DefaultBranch string
}

func toPullRequest(pr *git.GitPullRequest) PullRequest {
	if pr == nil {
		return PullRequest{}
	}
	out := PullRequest{
		ID: val(pr.PullRequestId), Title: val(pr.Title), Description: val(pr.Description),
		Status:    PullRequestStatus(val(pr.Status)),
		SourceRef: val(pr.SourceRefName), TargetRef: val(pr.TargetRefName),
		SourceCommit: commitID(pr.LastMergeSourceCommit), TargetCommit: commitID(pr.LastMergeTargetCommit),
	}
	if pr.CreationDate != nil {
		out.Created = pr.CreationDate.Time.UTC()
	}
	if r := pr.Repository; r != nil {
		repo := toRepository(r)
		out.RepositoryID, out.RepositoryName, out.ProjectID, out.ProjectName = repo.ID, repo.Name, repo.ProjectID, repo.ProjectName
	}
	return out
}

func toRepository(r *git.GitRepository) Repository {
	if r == nil {
		return Repository{}
	}
	out := Repository{Name: val(r.Name), DefaultBranch: val(r.DefaultBranch)}
	if r.Id != nil {
		out.ID = r.Id.String()
	}
	if p := r.Project; p != nil {
		if p.Id != nil {
			out.ProjectID = p.Id.String()
		}
		out.ProjectName = val(p.Name)
	}
	return out
}

func toIteration(it git.GitPullRequestIteration) Iteration {
	return Iteration{ID: val(it.Id), SourceCommit: commitID(it.SourceRefCommit),
		TargetCommit: commitID(it.TargetRefCommit), CommonCommit: commitID(it.CommonRefCommit)}
}

func commitID(c *git.GitCommitRef) string {
	if c == nil {
		return ""
	}
	return val(c.CommitId)
}
