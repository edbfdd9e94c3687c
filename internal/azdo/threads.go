package azdo

import (
	"context"
	"sort"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// UpdateThreadStatus sets a thread's status (e.g. fixed).
func (c *Client) UpdateThreadStatus(ctx context.Context, ref PullRequestRef, threadID int, status git.CommentThreadStatus) (*git.GitPullRequestCommentThread, error) {
	t, err := c.git.UpdateThread(ctx, git.UpdateThreadArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
		CommentThread: &git.GitPullRequestCommentThread{Status: &status},
	})
	return t, wrap("update thread", err)
}

// Iterations lists a pull request's iterations, oldest first.
func (c *Client) Iterations(ctx context.Context, ref PullRequestRef) ([]git.GitPullRequestIteration, error) {
	its, err := c.git.GetPullRequestIterations(ctx, git.GetPullRequestIterationsArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
	})
	if err != nil {
		return nil, wrap("list pull request iterations", err)
	}
	out := make([]git.GitPullRequestIteration, 0, len(*its))
	for _, it := range *its {
		if it.Id != nil {
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return *out[i].Id < *out[j].Id })
	return out, nil
}

// ThreadProperty reads a thread property in either form Azure DevOps
// uses: a plain value, or {"$type": "System.String", "$value": "…"}.
func ThreadProperty(t git.GitPullRequestCommentThread, key string) string {
	m, ok := t.Properties.(map[string]any)
	if !ok {
		return ""
	}
	switch v := m[key].(type) {
	case string:
		return v
	case map[string]any:
		s, _ := v["$value"].(string)
		return s
	}
	return ""
}

// UpdateComment replaces the content of a comment the PAT's identity wrote.
func (c *Client) UpdateComment(ctx context.Context, ref PullRequestRef, threadID, commentID int, content string) (*git.Comment, error) {
	cm, err := c.git.UpdateComment(ctx, git.UpdateCommentArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
		ThreadId: &threadID, CommentId: &commentID, Comment: &git.Comment{Content: &content},
	})
	return cm, wrap("update comment", err)
}

// UpdateThreadProperties merges properties into a thread's.
func (c *Client) UpdateThreadProperties(ctx context.Context, ref PullRequestRef, threadID int, props map[string]string) (*git.GitPullRequestCommentThread, error) {
	t, err := c.git.UpdateThread(ctx, git.UpdateThreadArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
		CommentThread: &git.GitPullRequestCommentThread{Properties: props},
	})
	return t, wrap("update thread", err)
}

// Reply adds a comment to a thread, answering parentCommentID.
func (c *Client) Reply(ctx context.Context, ref PullRequestRef, threadID, parentCommentID int, content string) (*git.Comment, error) {
	text := git.CommentTypeValues.Text
	cm, err := c.git.CreateComment(ctx, git.CreateCommentArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID, ThreadId: &threadID,
		Comment: &git.Comment{ParentCommentId: &parentCommentID, Content: &content, CommentType: &text},
	})
	return cm, wrap("reply to thread", err)
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
