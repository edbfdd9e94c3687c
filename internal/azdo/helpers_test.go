package azdo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// fakeClock is an azdo.Clock whose Sleep returns at once and moves the
// clock on, so that tests of waits take no time and measure them exactly.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
		c.slept = append(c.slept, d)
	}
	return nil
}

// Slept lists the waits so far.
func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

func (c *fakeClock) total() time.Duration {
	var sum time.Duration
	for _, d := range c.Slept() {
		sum += d
	}
	return sum
}

// serveThrough serves the simulator through mw on a new loopback server
// and returns the organisation URL on that server.
func serveThrough(t testing.TB, sim *azdotest.Sim, mw func(next http.Handler) http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(mw(sim.Server.Handler()))
	t.Cleanup(srv.Close)
	return strings.Replace(sim.Org.URL(), sim.Server.URL(), srv.URL, 1)
}

// fixture is a simulator with a pull request and a client for it.
type fixture struct {
	sim    *azdotest.Sim
	pr     *azdosim.PullRequest
	ref    azdo.PullRequestRef
	client *azdo.Client
}

// newFixture starts a simulator, opens a pull request, and builds a client
// for orgURL(sim) (nil: the simulator itself) with cfg. It reads the pull
// request once, so that endpoint discovery (cached per URL for the
// process) is done before the test's faults start.
func newFixture(t testing.TB, cfg azdo.Config, mw func(next http.Handler) http.Handler) *fixture {
	t.Helper()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a.txt": "1\n"}, map[string]string{"/a.txt": "2\n"})
	cfg.OrgURL, cfg.PAT = sim.Org.URL(), sim.PAT
	if mw != nil {
		cfg.OrgURL = serveThrough(t, sim, mw)
	}
	c, err := azdo.New(cfg)
	require.NoError(t, err)
	f := &fixture{sim: sim, pr: pr, client: c,
		ref: azdo.PullRequestRef{Project: sim.Project.Name(), RepositoryID: sim.Repo.ID(), ID: pr.ID()}}
	_, err = c.PullRequest(context.Background(), f.ref)
	require.NoError(t, err, "warm-up read")
	return f
}

// attempts lists the simulator's log entries of operation op.
func (f *fixture) attempts(op string) []azdosim.Request {
	var out []azdosim.Request
	for _, r := range f.sim.Server.Requests() {
		if r.Operation == op {
			out = append(out, r)
		}
	}
	return out
}

// Simulator operations the tests count.
const (
	opGetPR        = "git.pullRequests.get"
	opCreateThread = "git.threads.create"
)

func (f *fixture) readPR(ctx context.Context) error {
	_, err := f.client.PullRequest(ctx, f.ref)
	return err
}

func (f *fixture) createThread(ctx context.Context) error {
	_, err := f.client.CreateThread(ctx, f.ref, newThread("retry body survives"))
	return err
}

// fault answers the matching requests with the statuses in answers, one
// each, then lets them through; it counts every matching request. It does
// nothing until armed.
type fault struct {
	method  string
	path    string // a substring of the URL path
	answers []int
	header  http.Header

	mu    sync.Mutex
	armed bool
	seen  int
}

func (f *fault) arm() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armed = true
}

func (f *fault) matches(r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.armed && r.Method == f.method && strings.Contains(r.URL.Path, f.path)
}

func (f *fault) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.matches(r) {
			next.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		i := f.seen
		f.seen++
		f.mu.Unlock()
		if i >= len(f.answers) {
			next.ServeHTTP(w, r)
			return
		}
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(f.answers[i])
		_, _ = w.Write([]byte(`{"message":"injected failure","typeKey":"InjectedException"}`))
	})
}

func (f *fault) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen
}

// newThread is an active thread of one comment, as the client writes it.
func newThread(text string) azdo.Thread {
	return azdo.Thread{Status: azdo.ThreadActive, Comments: []azdo.Comment{{Content: text}}}
}

// sdkThread is newThread as the simulator's state holds it.
func sdkThread(text string) git.GitPullRequestCommentThread {
	active := git.CommentThreadStatusValues.Active
	return git.GitPullRequestCommentThread{Status: &active, Comments: &[]git.Comment{{Content: &text}}}
}

// threadTexts lists the first comment of each thread of the pull request.
func (f *fixture) threadTexts() []string {
	var out []string
	for _, th := range f.pr.Threads() {
		if th.Comments != nil && len(*th.Comments) > 0 && (*th.Comments)[0].Content != nil {
			out = append(out, *(*th.Comments)[0].Content)
		}
	}
	return out
}
