package azdosim_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/security"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/servicehooks"
	"github.com/stretchr/testify/require"
)

// requireJSONSyntaxError asserts the SDK's symptom of an HTML answer: a raw
// *json.SyntaxError, not an azuredevops.WrappedError.
func requireJSONSyntaxError(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	var syntax *json.SyntaxError
	require.ErrorAs(t, err, &syntax)
	require.Contains(t, err.Error(), "invalid character '<'")
	var wrapped azuredevops.WrappedError
	require.NotErrorAs(t, err, &wrapped)
}

func TestSignInPage(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	expired := sim.NewPAT(sim.Author)
	sim.Server.ExpirePAT(expired)
	sim.Server.SetSignInPage(true)
	connectionData := sim.Org.URL() + "/_apis/connectionData"

	sdkTests := []struct {
		name string
		call func(t *testing.T) error
	}{
		{"git.NewClient with an unknown PAT", func(t *testing.T) error {
			_, err := git.NewClient(t.Context(), sim.ConnectionWith("not-a-valid-pat"))
			return err
		}},
		{"connection data with an unknown PAT", func(t *testing.T) error {
			_, err := location.NewClient(t.Context(), sim.ConnectionWith("not-a-valid-pat")).GetConnectionData(t.Context(), location.GetConnectionDataArgs{})
			return err
		}},
		{"connection data with an expired PAT", func(t *testing.T) error {
			_, err := location.NewClient(t.Context(), sim.ConnectionWith(expired)).GetConnectionData(t.Context(), location.GetConnectionDataArgs{})
			return err
		}},
		{"connection data without a PAT", func(t *testing.T) error {
			_, err := location.NewClient(t.Context(), azuredevops.NewAnonymousConnection(sim.Org.URL())).GetConnectionData(t.Context(), location.GetConnectionDataArgs{})
			return err
		}},
	}
	for _, tt := range sdkTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireJSONSyntaxError(t, tt.call(t))
		})
	}

	rawTests := []struct {
		name        string
		method, url string
		pat         string
		status      int
		contentType string
	}{
		{"unknown PAT", http.MethodGet, connectionData, "not-a-valid-pat", 203, "text/html"},
		{"expired PAT", http.MethodGet, connectionData, expired, 203, "text/html"},
		{"missing PAT", http.MethodGet, connectionData, "", 203, "text/html"},
		{"unknown PAT on discovery", http.MethodOptions, sim.Org.URL() + "/_apis", "not-a-valid-pat", 203, "text/html"},
		{"anonymous discovery still works", http.MethodOptions, sim.Org.URL() + "/_apis", "", 200, "application/json"},
		{"valid PAT still works", http.MethodGet, connectionData, sim.PAT, 200, "application/json"},
	}
	for _, tt := range rawTests {
		t.Run("raw "+tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := rawRequest(t, tt.method, tt.url, tt.pat)
			require.Equal(t, tt.status, resp.StatusCode, body)
			require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), tt.contentType), resp.Header.Get("Content-Type"))
			if tt.status == 203 {
				require.True(t, strings.HasPrefix(body, "<!DOCTYPE html>"), body)
				require.Contains(t, body, "Sign In")
			}
		})
	}
}

func TestSignInPageCanBeSwitchedOff(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	url := sim.Org.URL() + "/_apis/connectionData"
	sim.Server.SetSignInPage(true)
	resp, _ := rawRequest(t, http.MethodGet, url, "not-a-valid-pat")
	require.Equal(t, 203, resp.StatusCode)
	sim.Server.SetSignInPage(false)
	resp, body := rawRequest(t, http.MethodGet, url, "not-a-valid-pat")
	require.Equal(t, 401, resp.StatusCode)
	require.Contains(t, body, "UnauthorizedRequestException")
}

func TestExpiredPAT(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	a := args(sim, pr.ID())
	pat := sim.NewPAT(sim.Author)
	client, err := git.NewClient(t.Context(), sim.ConnectionWith(pat))
	require.NoError(t, err)
	require.NoError(t, readOps(client, a)["GetPullRequest"](t.Context()))

	sim.Server.ExpirePAT(pat)
	const message = "Access Denied: The Personal Access Token used has expired."

	t.Run("SDK", func(t *testing.T) {
		t.Parallel()
		wrapped := requireAzureError(t, readOps(client, a)["GetPullRequest"](t.Context()), 401, "AccessCheckException")
		require.Equal(t, message, wrapped.Error())
		_, err := git.NewClient(t.Context(), sim.ConnectionWith(pat))
		requireAzureError(t, err, 401, "AccessCheckException")
	})
	t.Run("raw", func(t *testing.T) {
		t.Parallel()
		resp, body := rawRequest(t, http.MethodGet, sim.Org.URL()+"/_apis/connectionData", pat)
		require.Equal(t, 401, resp.StatusCode)
		require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
		require.True(t, strings.HasPrefix(resp.Header.Get("X-TFS-ServiceError"), "Access%20Denied%3A%20The%20Personal%20Access%20Token"), resp.Header.Get("X-TFS-ServiceError"))
		require.Contains(t, body, `"typeKey":"AccessCheckException"`)
		require.Contains(t, body, message)
	})
	t.Run("other PATs are unaffected", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, readOps(gitClient(t, sim), a)["GetPullRequest"](t.Context()))
	})
}

func TestAddPATRenewsAnExpiredPAT(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	url := sim.Org.URL() + "/_apis/connectionData"
	sim.Server.ExpirePAT(sim.PAT)
	resp, _ := rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, 401, resp.StatusCode)
	sim.Server.AddPAT(sim.PAT, sim.User)
	resp, _ = rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, 200, resp.StatusCode)

	require.Panics(t, func() { sim.Server.ExpirePAT("never-added") })
	require.Panics(t, func() { sim.Server.LimitScopes("never-added", "vso.code") })
}

func TestLimitScopes(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	seeded := pr.AddThread(sim.Author, git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("question")}}})
	a := args(sim, pr.ID())

	reads := []string{"GetPullRequest", "GetPullRequestIterations", "GetThreads", "GetPullRequestStatuses"}
	threadWrites := []string{"CreateThread", "UpdateThread", "CreateComment"}
	statusWrites := []string{"CreatePullRequestStatus"}
	tests := []struct {
		name            string
		scopes          []string
		allowed, denied []string
	}{
		{"vso.code reads but cannot write", []string{"vso.code"}, reads, append(threadWrites, statusWrites...)},
		{"vso.code_write does everything", []string{"vso.code_write"}, append(reads, append(threadWrites, statusWrites...)...), nil},
		{"threads_full writes threads only", []string{"vso.code", "vso.threads_full"}, append(reads, threadWrites...), statusWrites},
		{"code_status writes statuses only", []string{"vso.code", "vso.code_status"}, append(reads, statusWrites...), threadWrites},
		{"threads_full alone cannot read the pull request", []string{"vso.threads_full"}, []string{"GetThreads", "CreateThread"}, []string{"GetPullRequest", "GetPullRequestIterations"}},
		{"unrelated scope", []string{"vso.work"}, nil, append(reads, threadWrites...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pat := sim.NewPAT(sim.User)
			sim.Server.LimitScopes(pat, tt.scopes...)
			// Discovery needs no scope.
			client, err := git.NewClient(t.Context(), sim.ConnectionWith(pat))
			require.NoError(t, err)
			ops := readOps(client, a)
			for name, op := range writeOps(client, a, *seeded.Id) {
				ops[name] = op
			}
			for _, name := range tt.allowed {
				require.NoError(t, ops[name](t.Context()), name)
			}
			for _, name := range tt.denied {
				wrapped := requireAzureError(t, ops[name](t.Context()), 401, "UnauthorizedRequestException")
				require.Equal(t, "TF400813: The user '"+sim.User.ID+"' is not authorized to access this resource.", wrapped.Error(), name)
			}
		})
	}

	t.Run("hooks and connection data with vso.code", func(t *testing.T) {
		t.Parallel()
		pat := sim.NewPAT(sim.User)
		sim.Server.LimitScopes(pat, "vso.code")
		conn := sim.ConnectionWith(pat)
		_, err := servicehooks.NewClient(t.Context(), conn).ListSubscriptions(t.Context(), servicehooks.ListSubscriptionsArgs{})
		require.NoError(t, err)
		_, err = location.NewClient(t.Context(), conn).GetConnectionData(t.Context(), location.GetConnectionDataArgs{})
		require.NoError(t, err)
	})
	t.Run("permission evaluation needs vso.security_manage", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			scopes  []string
			allowed bool
		}{
			{[]string{"vso.code"}, false},
			{[]string{"vso.code_write", "vso.code_status"}, false},
			{[]string{"vso.code", "vso.threads_full", "vso.hooks"}, false},
			{[]string{"vso.code", azdosim.SecurityScope}, true},
			{nil, true}, // full access
		} {
			pat := sim.NewPAT(sim.User)
			sim.Server.LimitScopes(pat, tc.scopes...)
			client := security.NewClient(t.Context(), sim.ConnectionWith(pat))
			_, errOne := client.HasPermissions(t.Context(), security.HasPermissionsArgs{
				SecurityNamespaceId: &gitNamespace, Permissions: ptr(int(azdosim.GitPullRequestContribute)), Tokens: ptr(repoToken(sim.Repo)),
			})
			_, errBatch := client.HasPermissionsBatch(t.Context(), security.HasPermissionsBatchArgs{
				EvalBatch: &security.PermissionEvaluationBatch{Evaluations: &[]security.PermissionEvaluation{
					{SecurityNamespaceId: &gitNamespace, Permissions: ptr(2), Token: ptr(repoToken(sim.Repo))},
				}},
			})
			for _, err := range []error{errOne, errBatch} {
				if tc.allowed {
					require.NoError(t, err, tc.scopes)
					continue
				}
				wrapped := requireAzureError(t, err, 401, "UnauthorizedRequestException")
				require.Contains(t, wrapped.Error(), sim.User.ID, tc.scopes)
			}
		}
	})
	t.Run("no scopes restores full access", func(t *testing.T) {
		t.Parallel()
		pat := sim.NewPAT(sim.User)
		sim.Server.LimitScopes(pat, "vso.code")
		client, err := git.NewClient(t.Context(), sim.ConnectionWith(pat))
		require.NoError(t, err)
		create := writeOps(client, a, *seeded.Id)["CreateThread"]
		requireAzureError(t, create(t.Context()), 401, "UnauthorizedRequestException")
		sim.Server.LimitScopes(pat)
		require.NoError(t, create(t.Context()))
	})
}

func TestDropThreadWrites(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	a := args(sim, pr.ID())
	client := gitClient(t, sim)
	create := func(t *testing.T, content string) *git.GitPullRequestCommentThread {
		t.Helper()
		th, err := client.CreateThread(t.Context(), git.CreateThreadArgs{
			Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
			CommentThread: &git.GitPullRequestCommentThread{
				Comments:   &[]git.Comment{{Content: ptr(content), CommentType: &git.CommentTypeValues.Text}},
				Status:     &git.CommentThreadStatusValues.Active,
				Properties: map[string]any{"azreviewer.fingerprint": content},
			},
		})
		require.NoError(t, err)
		return th
	}
	listed := func(t *testing.T) []int {
		t.Helper()
		threads, err := client.GetThreads(t.Context(), git.GetThreadsArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
		require.NoError(t, err)
		var ids []int
		for _, th := range *threads {
			ids = append(ids, *th.Id)
		}
		return ids
	}

	kept := create(t, "kept")
	pr.DropThreadWrites(true)
	dropped := create(t, "dropped")
	require.NotNil(t, dropped.Id)
	require.NotEqual(t, *kept.Id, *dropped.Id)
	require.NotNil(t, dropped.PublishedDate)
	require.Len(t, *dropped.Comments, 1)
	require.Equal(t, 1, *(*dropped.Comments)[0].Id)
	require.Equal(t, sim.User.ID, *(*dropped.Comments)[0].Author.Id)
	require.Equal(t, map[string]any{"azreviewer.fingerprint": typed("System.String", "dropped")}, dropped.Properties)

	require.Equal(t, []int{*kept.Id}, listed(t))
	require.Len(t, pr.Threads(), 1)
	_, err := client.GetPullRequestThread(t.Context(), git.GetPullRequestThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: dropped.Id,
	})
	requireAzureError(t, err, 404, "GitPullRequestCommentThreadNotFoundException")

	pr.DropThreadWrites(false)
	again := create(t, "again")
	require.NotEqual(t, *dropped.Id, *again.Id, "ids are never reused")
	require.Equal(t, []int{*kept.Id, *again.Id}, listed(t))
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	url := sim.Org.URL() + "/_apis/connectionData"
	sim.Server.RateLimit(azdosim.RateLimit{Requests: 2, RetryAfter: 1500 * time.Millisecond, Resource: "Core"})

	// Anonymous discovery is not counted.
	resp, _ := rawRequest(t, http.MethodOptions, sim.Org.URL()+"/_apis", "")
	require.Equal(t, 200, resp.StatusCode)

	for i := range 2 {
		before := time.Now().Unix()
		resp, body := rawRequest(t, http.MethodGet, url, sim.PAT)
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "request %d", i)
		require.Equal(t, "2", resp.Header.Get("Retry-After"))
		require.Equal(t, "Core", resp.Header.Get("X-RateLimit-Resource"))
		require.Equal(t, "200", resp.Header.Get("X-RateLimit-Limit"))
		require.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
		reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64)
		require.NoError(t, err)
		require.GreaterOrEqual(t, reset, before+2)
		require.LessOrEqual(t, reset, time.Now().Unix()+2)
		require.Contains(t, resp.Header.Get("X-TFS-ServiceError"), "TF400733")
		var e struct{ Message, TypeKey string }
		require.NoError(t, json.Unmarshal([]byte(body), &e))
		require.Equal(t, "RequestBlockedException", e.TypeKey)
		require.Equal(t, "TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'.", e.Message)
	}
	resp, _ = rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, 200, resp.StatusCode)
	require.Empty(t, resp.Header.Get("Retry-After"))
}

func TestRateLimitThroughTheSDK(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	get := readOps(gitClient(t, sim), args(sim, pr.ID()))["GetPullRequest"]

	sim.Server.RateLimit(azdosim.RateLimit{Requests: 1, Resource: "ATCore"})
	wrapped := requireAzureError(t, get(t.Context()), 429, "RequestBlockedException")
	require.Contains(t, wrapped.Error(), "resource 'ATCore' in namespace 'User'")
	require.NoError(t, get(t.Context()))

	// A new limit replaces a pending one; zero requests cancels it.
	sim.Server.RateLimit(azdosim.RateLimit{Requests: 5})
	sim.Server.RateLimit(azdosim.RateLimit{})
	require.NoError(t, get(t.Context()))

	var statuses []int
	for _, r := range sim.Server.Requests() {
		if r.Operation == "git.pullRequests.get" {
			statuses = append(statuses, r.Status)
		}
	}
	require.Equal(t, []int{429, 200, 200}, statuses)
}
