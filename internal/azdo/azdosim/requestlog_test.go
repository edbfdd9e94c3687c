package azdosim_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

func TestRequestLog(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	client := gitClient(t, sim)
	a := args(sim, pr.ID())

	_, err := client.GetPullRequest(t.Context(), git.GetPullRequestArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
	require.NoError(t, err)
	_, err = client.CreateThread(t.Context(), git.CreateThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
		CommentThread: &git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("hi")}}},
	})
	require.NoError(t, err)
	// A PAT leaking into a URL must not reach the log either.
	_, err = client.GetPullRequest(t.Context(), git.GetPullRequestArgs{Project: &a.project, RepositoryId: &sim.PAT, PullRequestId: &a.id})
	requireAzureError(t, err, 404, "GitRepositoryNotFoundException")
	_, err = git.NewClient(t.Context(), azuredevops.NewPatConnection(sim.Org.URL(), "wrong"))
	require.Error(t, err)

	reqs := sim.Server.Requests()
	type opStatus struct {
		Op     string
		Status int
	}
	var got []opStatus
	for _, r := range reqs {
		got = append(got, opStatus{r.Operation, r.Status})
		require.False(t, r.At.IsZero())
	}
	require.Equal(t, []opStatus{
		{"location.options", 200},
		{"location.resourceAreas.list", 200},
		{"git.pullRequests.get", 200},
		{"git.threads.create", 200},
		{"git.pullRequests.get", 404},
		// The SDK's process-wide location cache already knows this URL,
		// so discovery with the wrong PAT starts at ResourceAreas.
		{"location.resourceAreas.list", 401},
	}, got)

	require.Empty(t, reqs[0].APIVersion)
	require.Equal(t, "5.1-preview.1", reqs[1].APIVersion)
	require.Equal(t, "7.1-preview.1", reqs[2].APIVersion)

	create := reqs[3]
	require.Equal(t, http.MethodPost, create.Method)
	require.Equal(t, "/fabrikam fiber/My Project/_apis/git/repositories/Web App/pullRequests/1/threads", create.Path)
	require.Equal(t, "/fabrikam fiber/_apis", reqs[0].Path, "the SDK lowercases the organization URL")

	dump := fmt.Sprintf("%+v", reqs)
	require.NotContains(t, dump, sim.PAT)
	require.NotContains(t, dump, base64.StdEncoding.EncodeToString([]byte(":"+sim.PAT)))
	require.True(t, slices.ContainsFunc(reqs, func(r azdosim.Request) bool { return r.Status == 404 }))
}
