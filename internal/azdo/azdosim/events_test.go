package azdosim_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

// envelope is a service-hook delivery as a receiver would decode it.
type envelope struct {
	SubscriptionID  string `json:"subscriptionId"`
	NotificationID  int    `json:"notificationId"`
	ID              string `json:"id"`
	EventType       string `json:"eventType"`
	PublisherID     string `json:"publisherId"`
	Message         struct{ Text, HTML, Markdown string }
	DetailedMessage struct{ Text string }
	Resource        git.GitPullRequest `json:"resource"`
	ResourceVersion string             `json:"resourceVersion"`
	Containers      map[string]struct {
		ID      string `json:"id"`
		BaseURL string `json:"baseUrl"`
	} `json:"resourceContainers"`
	CreatedDate string `json:"createdDate"`
}

func TestEvent(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})

	decode := func(t *testing.T, raw []byte) envelope {
		t.Helper()
		var ev envelope
		require.NoError(t, json.Unmarshal(raw, &ev))
		return ev
	}

	created := decode(t, pr.Event(azdosim.EventPullRequestCreated))
	require.Equal(t, "git.pullrequest.created", created.EventType)
	require.Equal(t, "tfs", created.PublisherID)
	require.Equal(t, "1.0", created.ResourceVersion)
	require.Equal(t, pr.ID(), *created.Resource.PullRequestId)
	require.Equal(t, sim.Repo.ID(), created.Resource.Repository.Id.String())
	require.Equal(t, sim.Project.ID(), created.Resource.Repository.Project.Id.String())
	require.Equal(t, pr.Head(), *created.Resource.LastMergeSourceCommit.CommitId)
	require.NotNil(t, created.Resource.LastMergeTargetCommit)
	require.Contains(t, created.Message.Text, sim.Author.DisplayName)
	require.NotEmpty(t, created.ID)
	require.NotEmpty(t, created.SubscriptionID)
	require.Equal(t, 1, created.NotificationID)
	for _, name := range []string{"collection", "account", "project"} {
		require.NotEmpty(t, created.Containers[name].ID, name)
		require.Equal(t, sim.Org.URL()+"/", created.Containers[name].BaseURL, name)
	}
	require.Equal(t, sim.Project.ID(), created.Containers["project"].ID)
	_, err := time.Parse(time.RFC3339Nano, created.CreatedDate)
	require.NoError(t, err)
	require.Regexp(t, `\.\d{7}Z$`, created.CreatedDate)

	// The resource URL points back at the simulator and works with the SDK.
	client := gitClient(t, sim)
	byURL, err := client.GetPullRequest(t.Context(), git.GetPullRequestArgs{
		Project:       ptr(created.Resource.Repository.Project.Id.String()),
		RepositoryId:  ptr(created.Resource.Repository.Id.String()),
		PullRequestId: created.Resource.PullRequestId,
	})
	require.NoError(t, err)
	require.Equal(t, *created.Resource.Url, *byURL.Url)

	next := sim.Repo.Commit(map[string]string{"/a": "3"})
	pr.Push(next)
	updated := decode(t, pr.Event(azdosim.EventPullRequestUpdated))
	require.Equal(t, "git.pullrequest.updated", updated.EventType)
	require.Equal(t, next, *updated.Resource.LastMergeSourceCommit.CommitId)
	require.Contains(t, updated.Message.Text, "updated the source branch")
	require.NotEqual(t, created.SubscriptionID, updated.SubscriptionID)
	require.NotEqual(t, created.ID, updated.ID)

	pr.SetStatus(azdosim.StatusAbandoned)
	again := decode(t, pr.Event(azdosim.EventPullRequestUpdated))
	require.Equal(t, updated.SubscriptionID, again.SubscriptionID)
	require.Equal(t, 2, again.NotificationID)
	require.Equal(t, git.PullRequestStatusValues.Abandoned, *again.Resource.Status)
	require.Contains(t, again.Message.Text, "abandoned")

	require.Panics(t, func() { pr.Event("git.push") })
}
