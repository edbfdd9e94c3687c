package worker

import (
	"context"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// AzureDevOps is what a review needs from Azure DevOps. *azdo.Client
// implements it.
type AzureDevOps interface {
	PullRequest(ctx context.Context, ref azdo.PullRequestRef) (*git.GitPullRequest, error)
	Iterations(ctx context.Context, ref azdo.PullRequestRef) ([]git.GitPullRequestIteration, error)
	IterationChanges(ctx context.Context, ref azdo.PullRequestRef, iteration, compareTo int) ([]azdo.Change, error)
	FileAt(ctx context.Context, ref azdo.PullRequestRef, path, commit string) ([]byte, bool, error)
	Threads(ctx context.Context, ref azdo.PullRequestRef) ([]git.GitPullRequestCommentThread, error)
	CreateThread(ctx context.Context, ref azdo.PullRequestRef, thread git.GitPullRequestCommentThread) (*git.GitPullRequestCommentThread, error)
	UpdateThreadStatus(ctx context.Context, ref azdo.PullRequestRef, threadID int, status git.CommentThreadStatus) (*git.GitPullRequestCommentThread, error)
	UpdateThreadProperties(ctx context.Context, ref azdo.PullRequestRef, threadID int, props map[string]string) (*git.GitPullRequestCommentThread, error)
	UpdateComment(ctx context.Context, ref azdo.PullRequestRef, threadID, commentID int, content string) (*git.Comment, error)
	CreateStatus(ctx context.Context, ref azdo.PullRequestRef, s azdo.Status) (*git.GitPullRequestStatus, error)
	Reply(ctx context.Context, ref azdo.PullRequestRef, threadID, parentCommentID int, content string) (*git.Comment, error)
	WhoAmI(ctx context.Context) (azdo.Identity, error)
	// Explain adds the PAT owner and a permission evaluation to a
	// permission failure (failure path only).
	Explain(ctx context.Context, projectID, repositoryID, repositoryName string, err error) error
}

var _ AzureDevOps = (*azdo.Client)(nil)
