package app_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// reloadOrg is an organisation of the simulator with a PAT valid there
// only.
type reloadOrg struct {
	name string
	who  azdosim.Identity
	org  *azdosim.Org
	repo *azdosim.Repository
	pat  string
}

func newReloadOrg(t *testing.T, sim *azdotest.Sim, name string) *reloadOrg {
	t.Helper()
	o := &reloadOrg{name: name, who: azdosim.Identity{UniqueName: "reviewer@" + name + ".example"}}
	o.org = sim.Server.AddOrg(name)
	o.repo = o.org.AddProject("Web").AddRepository("site")
	o.pat = sim.NewPAT(o.who)
	sim.Server.LimitPATToOrgs(o.pat, name)
	return o
}

func (o *reloadOrg) newPR(sim *azdotest.Sim) *azdosim.PullRequest {
	return o.repo.CreatePullRequest(azdosim.PullRequestSpec{
		Title: "Add feature", SourceBranch: "feature", TargetBranch: "main", CreatedBy: sim.Author,
		Base: o.repo.Commit(map[string]string{"/a.js": "let a;\n"}),
		Head: o.repo.Commit(map[string]string{"/a.js": "let a;\nconsole.log(a);\n"}),
	})
}

// writeOrgsFile writes an organisations file listing list.
func writeOrgsFile(t *testing.T, path string, list ...*reloadOrg) {
	t.Helper()
	var b strings.Builder
	b.WriteString("organizations:\n")
	for _, o := range list {
		fmt.Fprintf(&b, "  - url: %s\n    credential: {pat: %q}\n", o.org.URL(), o.pat)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
}

// gate holds the first thread creation of one organisation until it is
// opened, so that its review is still running while the test reloads.
type gate struct {
	org     string
	once    sync.Once
	blocked chan struct{}
	open    chan struct{}
}

func (g *gate) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/"+g.org+"/") && strings.HasSuffix(r.URL.Path, "/threads") {
		first := false
		g.once.Do(func() { first = true })
		if first {
			close(g.blocked)
			<-g.open
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestReloadingTheOrganisationsFile: a reload (SIGHUP's, here through
// WorkerDeps.Reload) serves the file's new organisations from then on,
// while a review of a removed organisation already running finishes with
// that organisation's credential; a broken file keeps the organisations
// served and logs each of its problems with its line.
func TestReloadingTheOrganisationsFile(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	alpha, beta := newReloadOrg(t, sim, "alpha"), newReloadOrg(t, sim, "beta")
	path := filepath.Join(t.TempDir(), "orgs.yaml")
	writeOrgsFile(t, path, alpha)

	logs := &syncBuffer{}
	reload := make(chan struct{})
	reloaded := make(chan error, 1)
	g := &gate{org: "alpha", blocked: make(chan struct{}), open: make(chan struct{})}
	hook := &app.Ingest{Token: "reload-hook-token-81f3"}
	fleet := apptest.Start(t, apptest.Options{
		OrgsFile: path, Hook: hook, Transport: g,
		Reload: reload, OnReload: func(err error) { reloaded <- err },
		OrgsFilePoll: time.Hour, // only Reload reloads here
		Log:          slog.New(slog.NewJSONHandler(logs, nil)),
	})
	reloadNow := func() error {
		t.Helper()
		reload <- struct{}{}
		return <-reloaded
	}

	running := alpha.newPR(sim)
	require.Equal(t, http.StatusAccepted, deliver(t, fleet.WebhookURL, hook, running.Event(servicehooks.EventPullRequestCreated)).status)
	early := beta.newPR(sim)
	require.Equal(t, http.StatusOK, deliver(t, fleet.WebhookURL, hook, early.Event(servicehooks.EventPullRequestCreated)).status, "beta is not configured yet")
	<-g.blocked // alpha's review is writing its first thread

	writeOrgsFile(t, path, beta)
	require.NoError(t, reloadNow())
	after := alpha.newPR(sim)
	require.Equal(t, http.StatusOK, deliver(t, fleet.WebhookURL, hook, after.Event(servicehooks.EventPullRequestCreated)).status, "alpha is no longer configured")
	served := beta.newPR(sim)
	require.Equal(t, http.StatusAccepted, deliver(t, fleet.WebhookURL, hook, served.Event(servicehooks.EventPullRequestCreated)).status)
	require.Len(t, waitForSummary(t, served), 2, "beta is reviewed after the reload")

	close(g.open)
	require.Len(t, waitForSummary(t, running), 2, "alpha's running review finished on the organisations it started with")

	// Two mistakes: both are logged with their line, and beta stays.
	require.NoError(t, os.WriteFile(path, []byte("organizations:\n  - url: ftp://x\n    credential: {pat: a}\n  - url: https://dev.azure.com/b\n    credentail: {}\n"), 0o600))
	require.Error(t, reloadNow())
	var problems []string
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		if rec["msg"] == app.LogOrganisationsNotReloaded {
			problems = append(problems, fmt.Sprintf("%v:%v %v", rec["line"], rec["field"], rec["problem"]))
		}
	}
	require.Len(t, problems, 3, "%q", problems)
	require.Contains(t, problems[0], "2:organizations[0].url ")
	require.Contains(t, problems[1], "4:organizations[1] credential is missing")
	require.Contains(t, problems[2], `5:organizations[1] unknown key, not shown as it may be a secret written in the wrong place (did you mean "credential"?)`)
	kept := beta.newPR(sim)
	require.Equal(t, http.StatusAccepted, deliver(t, fleet.WebhookURL, hook, kept.Event(servicehooks.EventPullRequestCreated)).status)
	require.Len(t, waitForSummary(t, kept), 2, "the previous organisations are kept")

	for _, r := range sim.Server.Requests() {
		org, _, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
		switch org {
		case "alpha":
			require.Equal(t, alpha.who.UniqueName, r.Caller, "%s %s", r.Method, r.Path)
		case "beta":
			require.Equal(t, beta.who.UniqueName, r.Caller, "%s %s", r.Method, r.Path)
		}
	}
	require.Empty(t, early.Threads(), "beta's event before it was configured was ignored")
	require.Empty(t, after.Threads(), "alpha's event after it was removed was ignored")
}

// TestOrganisationsFileChangeIsNoticed: a worker looks at the file's
// modification time and size, and reloads it when they change.
func TestOrganisationsFileChangeIsNoticed(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	alpha, beta := newReloadOrg(t, sim, "alpha"), newReloadOrg(t, sim, "beta")
	path := filepath.Join(t.TempDir(), "orgs.yaml")
	writeOrgsFile(t, path, alpha)
	reloaded := make(chan error, 1)
	hook := &app.Ingest{Token: "poll-hook-token-55e0"}
	fleet := apptest.Start(t, apptest.Options{OrgsFile: path, Hook: hook, OrgsFilePoll: 20 * time.Millisecond,
		OnReload: func(err error) { reloaded <- err }})
	first := alpha.newPR(sim)
	require.Equal(t, http.StatusAccepted, deliver(t, fleet.WebhookURL, hook, first.Event(servicehooks.EventPullRequestCreated)).status)
	require.Len(t, waitForSummary(t, first), 2, "the worker runs")

	writeOrgsFile(t, path, alpha, beta)
	require.NoError(t, <-reloaded)
	pr := beta.newPR(sim)
	require.Equal(t, http.StatusAccepted, deliver(t, fleet.WebhookURL, hook, pr.Event(servicehooks.EventPullRequestCreated)).status)
	require.Len(t, waitForSummary(t, pr), 2)
}
