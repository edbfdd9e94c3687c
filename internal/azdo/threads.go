package azdo

import (
	"cmp"
	"context"
	"slices"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// UpdateThreadStatus sets a thread's status (e.g. fixed).
func (c *Client) UpdateThreadStatus(ctx context.Context, ref PullRequestRef, threadID int, status ThreadStatus) (Thread, error) {
	t, err := c.git.UpdateThread(ctx, git.UpdateThreadArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
		CommentThread: &git.GitPullRequestCommentThread{Status: ptr(git.CommentThreadStatus(status))},
	})
	if err != nil {
		return Thread{}, wrap("update thread", err)
	}
	return toThread(t), nil
}

// SetThreadStatus sets a thread's status and merges props into its
// properties, in one request: the properties say who set the status
// (Azure DevOps records no author of a status change).
func (c *Client) SetThreadStatus(ctx context.Context, ref PullRequestRef, threadID int, status ThreadStatus, props map[string]string) (Thread, error) {
	t, err := c.git.UpdateThread(ctx, git.UpdateThreadArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
		CommentThread: &git.GitPullRequestCommentThread{Status: ptr(git.CommentThreadStatus(status)), Properties: props},
	})
	if err != nil {
		return Thread{}, wrap("update thread", err)
	}
	return toThread(t), nil
}

// Thread reads one comment thread of a pull request by its id; a thread
// that is not there is a KindNotFound error ([IsNotFound]).
func (c *Client) Thread(ctx context.Context, ref PullRequestRef, threadID int) (Thread, error) {
	t, err := c.git.GetPullRequestThread(ctx, git.GetPullRequestThreadArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
	})
	if err != nil {
		return Thread{}, wrap("get thread", err)
	}
	return toThread(t), nil
}

// Iterations lists a pull request's iterations, oldest first.
func (c *Client) Iterations(ctx context.Context, ref PullRequestRef) ([]Iteration, error) {
	its, err := c.git.GetPullRequestIterations(ctx, git.GetPullRequestIterationsArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
	})
	if err != nil {
		return nil, wrap("list pull request iterations", err)
	}
	out := make([]Iteration, 0, len(*its))
	for _, it := range *its {
		if it.Id != nil {
			out = append(out, toIteration(it))
		}
	}
	slices.SortFunc(out, func(a, b Iteration) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// UpdateComment replaces the content of a comment the PAT's identity wrote.
func (c *Client) UpdateComment(ctx context.Context, ref PullRequestRef, threadID, commentID int, content string) (Comment, error) {
	cm, err := c.git.UpdateComment(ctx, git.UpdateCommentArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
		ThreadId: &threadID, CommentId: &commentID, Comment: &git.Comment{Content: &content},
	})
	if err != nil {
		return Comment{}, wrap("update comment", err)
	}
	return toComment(cm), nil
}

// UpdateThreadProperties merges properties into a thread's.
func (c *Client) UpdateThreadProperties(ctx context.Context, ref PullRequestRef, threadID int, props map[string]string) (Thread, error) {
	t, err := c.git.UpdateThread(ctx, git.UpdateThreadArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
		CommentThread: &git.GitPullRequestCommentThread{Properties: props},
	})
	if err != nil {
		return Thread{}, wrap("update thread", err)
	}
	return toThread(t), nil
}

// Reply adds a comment to a thread, answering parentCommentID.
func (c *Client) Reply(ctx context.Context, ref PullRequestRef, threadID, parentCommentID int, content string) (Comment, error) {
	text := git.CommentTypeValues.Text
	cm, err := c.git.CreateComment(ctx, git.CreateCommentArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
		Comment: &git.Comment{ParentCommentId: &parentCommentID, Content: &content, CommentType: &text},
	})
	if err != nil {
		return Comment{}, wrap("reply to thread", err)
	}
	return toComment(cm), nil
}

// DeleteComment deletes a comment the PAT's identity wrote; Azure keeps it
// in the thread marked isDeleted.
func (c *Client) DeleteComment(ctx context.Context, ref PullRequestRef, threadID, commentID int) error {
	err := c.git.DeleteComment(ctx, git.DeleteCommentArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
		ThreadId: &threadID, CommentId: &commentID,
	})
	return wrap("delete comment", err)
}
