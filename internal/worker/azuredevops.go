package worker

import (
	"context"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// The worker's view of Azure DevOps is three small interfaces, one per
// role, in azdo's own types; *azdo.Client implements all three, and so
// does azdotest.Fake, a plain struct for tests where HTTP is not the point.

// PullRequestReader reads what a review reviews: the pull request, its
// iterations, the files an iteration changed and their contents.
type PullRequestReader interface {
	PullRequest(ctx context.Context, ref azdo.PullRequestRef) (azdo.PullRequest, error)
	// Iterations are oldest first.
	Iterations(ctx context.Context, ref azdo.PullRequestRef) ([]azdo.Iteration, error)
	IterationChanges(ctx context.Context, ref azdo.PullRequestRef, iteration, compareTo int) ([]azdo.Change, error)
	// FileAt reads path at commit; found is false when it is not there.
	FileAt(ctx context.Context, ref azdo.PullRequestRef, path, commit string) (content []byte, found bool, err error)
	// ReadFiles reads groups of file versions, by blob id in bulk where it
	// can, and hands each group's contents to fn, up to parallel groups at
	// once (see [azdo.Client.ReadFiles]).
	ReadFiles(ctx context.Context, ref azdo.PullRequestRef, groups [][]azdo.FileVersion, parallel int, fn func(group int, files []azdo.FileContent) error) error
}

// Commenter reads a pull request's threads and writes azreviewer's: threads,
// their status and properties, comments, replies, and the pull-request
// status.
type Commenter interface {
	// Threads lists every thread; Thread reads one by id (a thread that is
	// not there: azdo.IsNotFound).
	Threads(ctx context.Context, ref azdo.PullRequestRef) ([]azdo.Thread, error)
	Thread(ctx context.Context, ref azdo.PullRequestRef, threadID int) (azdo.Thread, error)
	CreateThread(ctx context.Context, ref azdo.PullRequestRef, thread azdo.Thread) (azdo.Thread, error)
	UpdateThreadStatus(ctx context.Context, ref azdo.PullRequestRef, threadID int, status azdo.ThreadStatus) (azdo.Thread, error)
	UpdateThreadProperties(ctx context.Context, ref azdo.PullRequestRef, threadID int, props map[string]string) (azdo.Thread, error)
	SetThreadStatus(ctx context.Context, ref azdo.PullRequestRef, threadID int, status azdo.ThreadStatus, props map[string]string) (azdo.Thread, error)
	UpdateComment(ctx context.Context, ref azdo.PullRequestRef, threadID, commentID int, content string) (azdo.Comment, error)
	Reply(ctx context.Context, ref azdo.PullRequestRef, threadID, parentCommentID int, content string) (azdo.Comment, error)
	CreateStatus(ctx context.Context, ref azdo.PullRequestRef, s azdo.Status) (azdo.Status, error)
}

// Diagnoser tells who the PAT is and explains a failure to an operator.
type Diagnoser interface {
	WhoAmI(ctx context.Context) (azdo.Identity, error)
	// Explain adds the PAT owner and a permission evaluation to a
	// permission failure (failure path only); other errors come back as
	// they are.
	Explain(ctx context.Context, projectID, repositoryID, repositoryName string, err error) error
}

// AzureDevOps is what a worker needs from Azure DevOps: the three roles.
type AzureDevOps interface {
	PullRequestReader
	Commenter
	Diagnoser
}

var _ AzureDevOps = (*azdo.Client)(nil)
