package azdosim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/servicehooks"
	"github.com/stretchr/testify/require"
)

// rawRequest sends a plain net/http request with the PAT (none if empty) and
// the api-version in the Accept header, and returns the response with its
// body read.
func rawRequest(t *testing.T, method, url, pat string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	req.Close = true // no idle connection outlives the test
	req.Header.Set("Accept", "application/json;api-version=7.1")
	if pat != "" {
		req.SetBasicAuth("", pat)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	const password = "hook-s3cr3t-PASSWORD"
	otherProject := sim.Org.AddProject("Other Project")

	specs := []azdosim.SubscriptionSpec{
		{
			EventType: azdosim.EventPullRequestUpdated, URL: "https://reviewer.example/hooks/azdo",
			Repository: sim.Repo, NotificationType: "PushNotification",
			BasicAuthUser: "azdo", BasicAuthPassword: password,
		},
		{EventType: azdosim.EventPullRequestCreated, URL: "https://reviewer.example/hooks/azdo", Status: azdosim.SubscriptionOnProbation, ProbationRetries: 3},
		{EventType: "git.push", URL: "https://ci.example/push", Status: azdosim.SubscriptionDisabledBySystem, ProbationRetries: 7},
		{EventType: azdosim.EventPullRequestUpdated, URL: "https://old.example/hook", Status: azdosim.SubscriptionDisabledByUser},
		{EventType: "ms.vss-code.git-pullrequest-comment-event", URL: "https://reviewer.example/hooks/azdo", Status: azdosim.SubscriptionDisabledByInactiveIdentity},
	}
	ids := make([]string, len(specs))
	for i, spec := range specs {
		ids[i] = sim.Project.AddSubscription(spec)
	}
	otherID := otherProject.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestCreated, URL: "https://other.example/"})
	client := servicehooks.NewClient(t.Context(), sim.Connection())

	t.Run("list", func(t *testing.T) {
		t.Parallel()
		subs, err := client.ListSubscriptions(t.Context(), servicehooks.ListSubscriptionsArgs{})
		require.NoError(t, err)
		require.Len(t, *subs, len(specs)+1)
		byID := map[string]servicehooks.Subscription{}
		for _, s := range *subs {
			byID[s.Id.String()] = s
			require.Equal(t, "tfs", *s.PublisherId)
			require.Equal(t, "webHooks", *s.ConsumerId)
			require.Equal(t, "httpRequest", *s.ConsumerActionId)
			require.NotNil(t, s.CreatedBy)
			require.NotNil(t, s.CreatedDate)
			require.NotNil(t, s.ModifiedDate)
			require.NotNil(t, s.Url)
		}
		// Azure leaves out the status of an enabled subscription.
		wantStatus := []servicehooks.SubscriptionStatus{"", "onProbation", "disabledBySystem", "disabledByUser", "disabledByInactiveIdentity"}
		for i, id := range ids {
			require.Contains(t, byID, id)
			var status servicehooks.SubscriptionStatus
			if byID[id].Status != nil {
				status = *byID[id].Status
			}
			require.Equal(t, wantStatus[i], status, specs[i].EventType)
			require.Equal(t, specs[i].EventType, *byID[id].EventType)
			require.Equal(t, sim.Project.ID(), (*byID[id].PublisherInputs)["projectId"])
		}
		require.Equal(t, otherProject.ID(), (*byID[otherID].PublisherInputs)["projectId"])

		push := byID[ids[0]]
		require.Equal(t, "1.0", *push.ResourceVersion)
		require.Equal(t, sim.Repo.ID(), (*push.PublisherInputs)["repository"])
		require.Equal(t, "PushNotification", (*push.PublisherInputs)["notificationType"])
		require.Equal(t, "https://reviewer.example/hooks/azdo", (*push.ConsumerInputs)["url"])
		require.Equal(t, "azdo", (*push.ConsumerInputs)["basicAuthUsername"])
		require.Equal(t, "********", (*push.ConsumerInputs)["basicAuthPassword"])
		require.Equal(t, "all", (*push.ConsumerInputs)["resourceDetailsToSend"])
		require.Equal(t, 0, int(*push.ProbationRetries))
		require.Nil(t, push.LastProbationRetryDate)

		created := byID[ids[1]]
		require.NotContains(t, *created.PublisherInputs, "repository", "whole project")
		require.NotContains(t, *created.ConsumerInputs, "basicAuthPassword")
		require.Equal(t, 3, int(*created.ProbationRetries))
		require.NotNil(t, created.LastProbationRetryDate)
		require.Equal(t, "2.0", *byID[ids[4]].ResourceVersion)
	})

	tests := []struct {
		name string
		args servicehooks.ListSubscriptionsArgs
		want []string
	}{
		{"event type", servicehooks.ListSubscriptionsArgs{EventType: ptr(azdosim.EventPullRequestUpdated)}, []string{ids[0], ids[3]}},
		{"event type ignoring case", servicehooks.ListSubscriptionsArgs{EventType: ptr("GIT.PUSH")}, []string{ids[2]}},
		{"publisher", servicehooks.ListSubscriptionsArgs{PublisherId: ptr("tfs")}, append(ids[:len(ids):len(ids)], otherID)},
		{"other publisher", servicehooks.ListSubscriptionsArgs{PublisherId: ptr("azure-devops")}, nil},
		{"consumer and action", servicehooks.ListSubscriptionsArgs{ConsumerId: ptr("webHooks"), ConsumerActionId: ptr("httpRequest"), EventType: ptr(azdosim.EventPullRequestCreated)}, []string{ids[1], otherID}},
		{"other consumer", servicehooks.ListSubscriptionsArgs{ConsumerId: ptr("azureServiceBus")}, nil},
		{"other action", servicehooks.ListSubscriptionsArgs{ConsumerActionId: ptr("serviceBusQueueSend")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			subs, err := client.ListSubscriptions(t.Context(), tt.args)
			require.NoError(t, err)
			var got []string
			for _, s := range *subs {
				got = append(got, s.Id.String())
			}
			require.Equal(t, tt.want, got)
		})
	}

	t.Run("get", func(t *testing.T) {
		t.Parallel()
		sub, err := client.GetSubscription(t.Context(), servicehooks.GetSubscriptionArgs{SubscriptionId: ptr(uuid.MustParse(ids[0]))})
		require.NoError(t, err)
		require.Equal(t, ids[0], sub.Id.String())
		require.Equal(t, "********", (*sub.ConsumerInputs)["basicAuthPassword"])

		_, err = client.GetSubscription(t.Context(), servicehooks.GetSubscriptionArgs{SubscriptionId: ptr(uuid.New())})
		requireAzureError(t, err, 404, "SubscriptionNotFoundException")
	})

	t.Run("the password never appears", func(t *testing.T) {
		t.Parallel()
		for _, url := range []string{
			sim.Org.URL() + "/_apis/hooks/subscriptions",
			sim.Org.URL() + "/_apis/hooks/subscriptions/" + ids[0],
		} {
			resp, body := rawRequest(t, http.MethodGet, url, sim.PAT)
			require.Equal(t, http.StatusOK, resp.StatusCode, body)
			require.True(t, json.Valid([]byte(body)))
			require.Contains(t, body, `"basicAuthPassword":"********"`)
			require.NotContains(t, body, password)
		}
	})

	t.Run("events carry the matching subscription's id", func(t *testing.T) {
		t.Parallel()
		pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
		var ev struct {
			SubscriptionID string `json:"subscriptionId"`
			NotificationID int    `json:"notificationId"`
		}
		require.NoError(t, json.Unmarshal(pr.Event(azdosim.EventPullRequestUpdated), &ev))
		require.Equal(t, ids[0], ev.SubscriptionID, "the enabled repository subscription")
		require.Equal(t, 1, ev.NotificationID)
		// The only created subscription of the project is on probation, so
		// the event comes from a synthetic subscription.
		require.NoError(t, json.Unmarshal(pr.Event(azdosim.EventPullRequestCreated), &ev))
		require.NotContains(t, append(ids[:len(ids):len(ids)], otherID), ev.SubscriptionID)
	})
}

func TestAddSubscriptionPanicsOnBadSpecs(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	foreign := sim.Org.AddProject("Foreign").AddRepository("Foreign Repo")
	tests := map[string]azdosim.SubscriptionSpec{
		"no event type":    {URL: "https://x.example/"},
		"no URL":           {EventType: azdosim.EventPullRequestCreated},
		"unknown status":   {EventType: azdosim.EventPullRequestCreated, URL: "https://x.example/", Status: "paused"},
		"foreign repo":     {EventType: azdosim.EventPullRequestCreated, URL: "https://x.example/", Repository: foreign},
		"too many retries": {EventType: azdosim.EventPullRequestCreated, URL: "https://x.example/", ProbationRetries: 8},
		"negative retries": {EventType: azdosim.EventPullRequestCreated, URL: "https://x.example/", ProbationRetries: -1},
	}
	for name, spec := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Panics(t, func() { sim.Project.AddSubscription(spec) })
		})
	}
}
