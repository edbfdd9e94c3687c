package azdosim_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

// statusesOf returns the logged statuses of operation op, oldest first.
func statusesOf(sim *azdotest.Sim, op string) []int {
	var out []int
	for _, r := range sim.Server.Requests() {
		if r.Operation == op {
			out = append(out, r.Status)
		}
	}
	return out
}

// threadIDs lists the ids GetThreads returns.
func threadIDs(t *testing.T, client git.Client, a prArgs) []int {
	t.Helper()
	threads, err := client.GetThreads(t.Context(), git.GetThreadsArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
	require.NoError(t, err)
	ids := []int{}
	for _, th := range *threads {
		ids = append(ids, *th.Id)
	}
	return ids
}

func TestFailRequestsThroughTheSDK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  int
		typeKey string
		prefix  string
	}{
		{500, "VssServiceException", "TF400898: An Internal Error Occurred. Activity Id: "},
		{502, "VssServiceResponseException", "TF400898: An Internal Error Occurred. Activity Id: "},
		{503, "VssServiceUnavailableException", "TF10216: Azure DevOps services are currently unavailable. Try again later. Activity Id: "},
		{504, "RequestCanceledException", "TF400733: The request has been canceled: The request timed out. Activity Id: "},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
			get := readOps(gitClient(t, sim), args(sim, pr.ID()))["GetPullRequest"]

			sim.Server.FailRequests("git.pullRequests.get", 2, tt.status, 0)
			for range 2 {
				wrapped := requireAzureError(t, get(t.Context()), tt.status, tt.typeKey)
				require.True(t, strings.HasPrefix(wrapped.Error(), tt.prefix), wrapped.Error())
			}
			require.NoError(t, get(t.Context()))
			require.Equal(t, []int{tt.status, tt.status, 200}, statusesOf(sim, "git.pullRequests.get"))
		})
	}
}

func TestFailRequestsRawResponse(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	connectionData := sim.Org.URL() + "/_apis/connectionData"
	sim.Server.FailRequests("", 1, http.StatusServiceUnavailable, 1500*time.Millisecond)
	sim.Server.FailRequests("", 1, http.StatusInternalServerError, 0)

	// Anonymous discovery does not use up a failure.
	resp, _ := rawRequest(t, http.MethodOptions, sim.Org.URL()+"/_apis", "")
	require.Equal(t, 200, resp.StatusCode)

	resp, body := rawRequest(t, http.MethodGet, connectionData, sim.PAT)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, body)
	require.Equal(t, "2", resp.Header.Get("Retry-After"))
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	var e struct {
		Message, TypeKey, TypeName string
		EventID                    int `json:"eventId"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e))
	require.Equal(t, "VssServiceUnavailableException", e.TypeKey)
	require.Equal(t, "Microsoft.VisualStudio.Services.WebApi.VssServiceUnavailableException, Microsoft.VisualStudio.Services.WebApi", e.TypeName)
	require.Equal(t, 3000, e.EventID)
	activityID := resp.Header.Get("ActivityId")
	require.NotEmpty(t, activityID)
	require.Equal(t, "TF10216: Azure DevOps services are currently unavailable. Try again later. Activity Id: "+activityID+".", e.Message)
	serviceError, err := url.PathUnescape(resp.Header.Get("X-TFS-ServiceError"))
	require.NoError(t, err)
	require.Equal(t, e.Message, serviceError)

	// The second batch, without Retry-After.
	resp, body = rawRequest(t, http.MethodGet, connectionData, sim.PAT)
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Retry-After"))
	require.Contains(t, body, `"typeKey":"VssServiceException"`)
	require.NotEqual(t, activityID, resp.Header.Get("ActivityId"))

	resp, _ = rawRequest(t, http.MethodGet, connectionData, sim.PAT)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, []int{503, 500, 200}, statusesOf(sim, "location.connectionData"))
}

func TestFailRequestsOnlyHitsItsOperation(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	a := args(sim, pr.ID())
	client := gitClient(t, sim)
	reads := readOps(client, a)
	create := writeOps(client, a, 0)["CreateThread"]

	sim.Server.FailRequests("git.threads.create", 1, http.StatusServiceUnavailable, 0)
	require.NoError(t, reads["GetPullRequest"](t.Context()))
	require.NoError(t, reads["GetThreads"](t.Context()))
	requireAzureError(t, create(t.Context()), 503, "VssServiceUnavailableException")
	require.Empty(t, pr.Threads(), "a failed request applies nothing")
	require.NoError(t, create(t.Context()))

	// Batches accumulate per operation, and an operation's own batches
	// come before those of "".
	sim.Server.FailRequests("", 1, http.StatusInternalServerError, 0)
	sim.Server.FailRequests("git.threads.list", 1, http.StatusBadGateway, 0)
	sim.Server.FailRequests("git.threads.list", 1, http.StatusGatewayTimeout, 0)
	requireAzureError(t, reads["GetThreads"](t.Context()), 502, "VssServiceResponseException")
	requireAzureError(t, reads["GetThreads"](t.Context()), 504, "RequestCanceledException")
	requireAzureError(t, reads["GetPullRequest"](t.Context()), 500, "VssServiceException")
	require.NoError(t, reads["GetThreads"](t.Context()))
	require.NoError(t, reads["GetPullRequest"](t.Context()))

	require.Equal(t, []int{503, 200}, statusesOf(sim, "git.threads.create"))
	require.Equal(t, []int{200, 502, 504, 200}, statusesOf(sim, "git.threads.list"))
	require.Equal(t, []int{200, 500, 200}, statusesOf(sim, "git.pullRequests.get"))

	require.PanicsWithValue(t, `azdosim: FailRequests: unknown operation "git.thread.create"`, func() {
		sim.Server.FailRequests("git.thread.create", 1, 500, 0)
	})
	require.Panics(t, func() { sim.Server.FailRequests("", 1, http.StatusTooManyRequests, 0) })
	require.Panics(t, func() { sim.Server.FailAfterApplying("nope", 1) })
	sim.Server.FailRequests("", 0, 500, 0) // adds nothing
	require.NoError(t, reads["GetPullRequest"](t.Context()))
}

func TestFailAfterApplying(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	a := args(sim, pr.ID())
	client := gitClient(t, sim)
	create := func(comments *[]git.Comment) error {
		_, err := client.CreateThread(t.Context(), git.CreateThreadArgs{
			Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
			CommentThread: &git.GitPullRequestCommentThread{
				Comments:   comments,
				Properties: map[string]any{"azreviewer.fingerprint": "f1"},
			},
		})
		return err
	}
	finding := &[]git.Comment{{Content: ptr("finding")}}

	sim.Server.FailAfterApplying("git.threads.create", 1)
	wrapped := requireAzureError(t, create(finding), 500, "VssServiceException")
	require.Contains(t, wrapped.Error(), "TF400898: An Internal Error Occurred.")

	// The write happened although the client saw a failure.
	ids := threadIDs(t, client, a)
	require.Len(t, ids, 1)
	threads := pr.Threads()
	require.Equal(t, "finding", *(*threads[0].Comments)[0].Content)
	require.Equal(t, typed("System.String", "f1"), threads[0].Properties.(map[string]any)["azreviewer.fingerprint"])

	// A naive retry duplicates it.
	require.NoError(t, create(finding))
	require.Len(t, threadIDs(t, client, a), 2)

	// A request the operation rejects keeps its error and uses up nothing.
	sim.Server.FailAfterApplying("", 1)
	requireAzureError(t, create(&[]git.Comment{}), 400, "InvalidArgumentValueException")
	requireAzureError(t, create(finding), 500, "VssServiceException")
	require.Len(t, threadIDs(t, client, a), 3)
	require.Equal(t, []int{500, 200, 400, 500}, statusesOf(sim, "git.threads.create"))
	require.Equal(t, []int{200, 200, 200}, statusesOf(sim, "git.threads.list"))

	// Other operations are unaffected by an operation's failures.
	sim.Server.FailAfterApplying("git.threads.create", 1)
	require.NoError(t, readOps(client, a)["GetThreads"](t.Context()))
	requireAzureError(t, create(finding), 500, "VssServiceException")
	require.Len(t, pr.Threads(), 4)
}

func TestFailRequestsComesAfterTheRateLimit(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	url := sim.Org.URL() + "/_apis/connectionData"
	sim.Server.RateLimit(azdosim.RateLimit{Requests: 1})
	sim.Server.FailRequests("location.connectionData", 1, http.StatusServiceUnavailable, 0)
	for _, want := range []int{429, 503, 200} {
		resp, _ := rawRequest(t, http.MethodGet, url, sim.PAT)
		require.Equal(t, want, resp.StatusCode)
	}
}
