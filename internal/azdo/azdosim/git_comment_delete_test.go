package azdosim_test

import (
	"testing"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

func TestDeleteComment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		setup      func(sim *azdotest.Sim) (pat string)
		comment    int
		wantStatus int
		wantType   string
	}{
		{name: "author deletes", setup: func(sim *azdotest.Sim) string { return sim.PAT }, comment: 1},
		{name: "someone else may not", setup: func(sim *azdotest.Sim) string { return sim.NewPAT(sim.Author) }, comment: 1, wantStatus: 400, wantType: "InvalidArgumentValueException"},
		{name: "unknown comment", setup: func(sim *azdotest.Sim) string { return sim.PAT }, comment: 9, wantStatus: 404, wantType: "GitPullRequestCommentNotFoundException"},
		{name: "needs contribute to pull requests", setup: func(sim *azdotest.Sim) string {
			sim.Repo.Deny(sim.User, azdosim.GitPullRequestContribute)
			return sim.PAT
		}, comment: 1, wantStatus: 403, wantType: "GitNeedsPermissionException"},
		{name: "needs a write scope", setup: func(sim *azdotest.Sim) string {
			sim.Server.LimitScopes(sim.PAT, "vso.code")
			return sim.PAT
		}, comment: 1, wantStatus: 401, wantType: "UnauthorizedRequestException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
			th := pr.AddThread(sim.User, git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("probe")}}})
			pat := tt.setup(sim)
			client, err := git.NewClient(t.Context(), sim.ConnectionWith(pat))
			require.NoError(t, err)
			a := args(sim, pr.ID())
			err = client.DeleteComment(t.Context(), git.DeleteCommentArgs{
				Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: th.Id, CommentId: &tt.comment,
			})
			threads := pr.Threads()
			require.Len(t, threads, 1, "a deleted comment's thread is still listed")
			got := (*threads[0].Comments)[0]
			if tt.wantStatus != 0 {
				requireAzureError(t, err, tt.wantStatus, tt.wantType)
				require.False(t, *got.IsDeleted)
				return
			}
			require.NoError(t, err)
			require.True(t, *got.IsDeleted)
		})
	}
}
