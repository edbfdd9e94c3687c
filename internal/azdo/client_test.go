package azdo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

func TestClientReadsPullRequest(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	base := map[string]string{"/keep.txt": "same\n", "/gone.txt": "bye\n"}
	head := map[string]string{"/keep.txt": "same\nmore\n"}
	for i := range 1205 { // more than one page of changes
		head[fmt.Sprintf("/gen/file%04d.txt", i)] = fmt.Sprintf("line %d\n", i)
	}
	pr := sim.NewPullRequest(base, head)
	c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT})
	require.NoError(t, err)
	ctx := context.Background()
	ref := azdo.PullRequestRef{Project: sim.Project.Name(), RepositoryID: sim.Repo.ID(), ID: pr.ID()}

	got, err := c.PullRequest(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, pr.ID(), got.ID)
	require.Equal(t, azdo.PullRequestActive, got.Status)
	require.Equal(t, "Add feature", got.Title)
	require.Equal(t, "refs/heads/main", got.TargetRef)
	require.Equal(t, sim.Repo.ID(), got.RepositoryID)
	require.False(t, got.Created.IsZero(), "creationDate")
	opened := time.Date(2026, 3, 4, 5, 6, 7, 8000000, time.UTC)
	pr.SetCreated(opened)
	got, err = c.PullRequest(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, opened, got.Created)

	its, err := c.Iterations(ctx, ref)
	require.NoError(t, err)
	require.Len(t, its, 1)
	it := its[0]
	require.Equal(t, 1, it.ID)
	require.Equal(t, pr.Head(), it.SourceCommit)
	require.NotEmpty(t, it.CommonCommit)
	require.NotEmpty(t, it.TargetCommit)

	changes, err := c.IterationChanges(ctx, ref, it.ID, 0)
	require.NoError(t, err)
	require.Len(t, changes, 1207)
	seen := map[string]azdo.Change{}
	for _, ch := range changes {
		require.NotContains(t, seen, ch.Path, "each change once across pages")
		seen[ch.Path] = ch
	}
	require.Equal(t, "delete", seen["/gone.txt"].ChangeType)
	require.Equal(t, "edit", seen["/keep.txt"].ChangeType)
	require.NotZero(t, seen["/keep.txt"].ChangeTrackingID)

	content, found, err := c.FileAt(ctx, ref, "/keep.txt", it.SourceCommit)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "same\nmore\n", string(content))
	_, found, err = c.FileAt(ctx, ref, "/gone.txt", it.SourceCommit)
	require.NoError(t, err)
	require.False(t, found, "a missing file is not an error")
}

// faulty serves the simulator but answers the pull-request call with the
// given response, as Azure DevOps does in its failure modes.
func faulty(t *testing.T, status int, contentType, body string, header http.Header) (*azdotest.Sim, string) {
	t.Helper()
	sim := azdotest.New(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/pullRequests/") {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
		sim.Server.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return sim, strings.Replace(sim.Org.URL(), sim.Server.URL(), srv.URL, 1)
}

func TestClientClassifiesFailures(t *testing.T) {
	t.Parallel()
	signIn := "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head></html>"
	frontDoor := "<!DOCTYPE html><html><head><title>Our services aren't available right now</title></head><body>Please check back soon.</body></html>"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		header      http.Header
		wantKind    azdo.Kind
		wantRetry   time.Duration
		wantInDiag  string
	}{
		{"sign-in page with 203", 203, "text/html; charset=utf-8", signIn, nil, azdo.KindSignInPage, 0, "sign-in page"},
		{"sign-in page with 401", 401, "text/html", signIn, nil, azdo.KindSignInPage, 0, "PAT"},
		{"expired PAT", 401, "application/json", `{"message":"Access Denied: The Personal Access Token used has expired.","typeKey":"AccessCheckException"}`, nil, azdo.KindUnauthorized, 0, "expired"},
		{"missing permission", 403, "application/json; charset=utf-8", `{"message":"TF401027: You need the Git 'PullRequestContribute' permission to perform this action.","typeKey":"GitNeedsPermissionException"}`, nil, azdo.KindForbidden, 0, "Grant \"Contribute to pull requests\""},
		{"rate limited", 429, "application/json", `{"message":"TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'Core' in namespace 'User'.","typeKey":"RequestBlockedException"}`,
			http.Header{"Retry-After": {"7"}, "X-Ratelimit-Resource": {"Core"}}, azdo.KindRateLimited, 7 * time.Second, "rate-limiting"},
		{"service unavailable", 503, "text/plain", "try later", nil, azdo.KindTransient, 0, "temporarily"},
		{"empty 401", 401, "application/json", "", nil, azdo.KindUnauthorized, 0, "PAT"},
		{"front door's 502 page", 502, "text/html", frontDoor, nil, azdo.KindTransient, 0, "temporarily"},
		{"front door's 503 page", 503, "text/html; charset=utf-8", frontDoor, nil, azdo.KindTransient, 0, "temporarily"},
		{"a 500 page that mentions signing in", 500, "text/html", signIn, nil, azdo.KindTransient, 0, "temporarily"},
		{"Azure DevOps Server's 404 page", 404, "text/html", "<html><body>404 - File or directory not found.</body></html>", nil, azdo.KindNotFound, 0, "Not found"},
		{"a 404 page with a sign-in link", 404, "text/html", `<html><body><a href="/tfs/_signin">Sign in</a><h1>404 - Page not found</h1></body></html>`, nil, azdo.KindNotFound, 0, "Not found"},
		{"401 page that is not the sign-in form", 401, "text/html", "<html><body>401 - Unauthorized</body></html>", nil, azdo.KindUnauthorized, 0, "PAT was refused"},
		{"a proxy's 200 page", 200, "text/html", "<html><body>Welcome to the corporate network</body></html>", nil, azdo.KindInvalid, 0, "not Azure DevOps' sign-in page"},
		{"a 200 sign-in form", 200, "text/html", `<html><a href="https://app.vssps.visualstudio.com/_signin">Sign in</a></html>`, nil, azdo.KindSignInPage, 0, "sign-in page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, orgURL := faulty(t, tt.status, tt.contentType, tt.body, tt.header)
			pr := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"})
			// Classification only: retries are tested in retry_test.go.
			c, err := azdo.New(azdo.Config{OrgURL: orgURL, PAT: sim.PAT, MaxRetries: -1})
			require.NoError(t, err)
			_, err = c.PullRequest(context.Background(), azdo.PullRequestRef{Project: sim.Project.ID(), RepositoryID: sim.Repo.ID(), ID: pr.ID()})
			e, ok := azdo.AsError(err)
			require.True(t, ok, "typed error, got %T: %v", err, err)
			require.Equal(t, tt.wantKind, e.Kind)
			require.Equal(t, tt.status, e.StatusCode)
			require.Equal(t, tt.wantRetry, e.RetryAfter)
			require.Contains(t, e.Diagnosis(), tt.wantInDiag)
			require.NotContains(t, err.Error(), sim.PAT)
		})
	}
}

// TestCredentialHeaderOnlyForTheOrganisation: the credential is asked before
// every attempt, its header reaches the organisation, and a failing
// credential sends nothing and is not retried.
func TestCredentialHeaderOnlyForTheOrganisation(t *testing.T) {
	sim := azdotest.New(t)
	var got []string
	record := roundTripper(func(r *http.Request) (*http.Response, error) {
		got = append(got, r.Header.Get("Authorization"))
		return http.DefaultTransport.RoundTrip(r)
	})
	cred := &countingCredential{header: azdo.PAT(sim.PAT)}
	c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred, MaxRetries: 3, Transport: record})
	require.NoError(t, err)
	_, err = c.Projects(t.Context())
	require.NoError(t, err)
	want, err := azdo.PAT(sim.PAT).Authorization(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, got)
	for _, h := range got {
		require.Equal(t, want, h)
	}
	require.Equal(t, len(got), cred.calls, "asked once per request")
	require.Equal(t, "test:counting", c.Identity())
	sent, asked := len(got), cred.calls

	cred.fail = errors.New("no token today")
	_, err = c.Projects(t.Context())
	var ce *azdo.CredentialError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "test:counting", ce.Identity)
	require.Len(t, got, sent, "nothing is sent without a credential")
	require.Equal(t, asked+1, cred.calls, "a credential's failure is not retried")
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type countingCredential struct {
	header azdo.Credential
	calls  int
	fail   error
}

func (c *countingCredential) Authorization(ctx context.Context) (string, error) {
	c.calls++
	if c.fail != nil {
		return "", c.fail
	}
	return c.header.Authorization(ctx)
}

func (c *countingCredential) Identity() string { return "test:counting" }
