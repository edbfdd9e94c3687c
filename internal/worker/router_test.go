package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// routedOrg is one organisation of the simulator with its own PAT, valid
// there only, and a pull request.
type routedOrg struct {
	org    *azdosim.Org
	repo   *azdosim.Repository
	pr     *azdosim.PullRequest
	who    azdosim.Identity
	client *azdo.Client
}

func newRoutedOrg(t *testing.T, sim *azdotest.Sim, name, project string, who azdosim.Identity) *routedOrg {
	t.Helper()
	org := sim.Server.AddOrg(name)
	repo := org.AddProject(project).AddRepository("app")
	pr := repo.CreatePullRequest(azdosim.PullRequestSpec{
		Title: "Add feature", SourceBranch: "feature", TargetBranch: "main", CreatedBy: sim.Author,
		Base: repo.Commit(map[string]string{"/a.js": "let a;\n"}),
		Head: repo.Commit(map[string]string{"/a.js": "let a;\nconsole.log(a);\n"}),
	})
	pat := sim.NewPAT(who)
	sim.Server.LimitPATToOrgs(pat, name)
	client, err := azdo.New(azdo.Config{OrgURL: org.URL(), PAT: pat})
	require.NoError(t, err)
	return &routedOrg{org: org, repo: repo, pr: pr, who: who, client: client}
}

func (o *routedOrg) request(orgURL string) *events.ReviewRequest {
	return &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: fmt.Sprintf("%s-%d", o.org.Name(), o.pr.ID()),
		OrgURL: orgURL, ProjectID: o.repo.Project().ID(), RepositoryID: o.repo.ID(), PullRequestID: o.pr.ID(), SourceCommit: o.pr.Head(),
	}
}

// One Router serves two organisations, each Worker with its own PAT (valid
// in its organisation only) and defaults (the project's overriding the
// organisation's): each organisation's calls carry only its own
// credential, and requests naming an organisation that is not configured,
// or none of the two, are skipped with nothing sent anywhere.
func TestRouterServesEachOrganisationWithItsOwnCredential(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	a := newRoutedOrg(t, sim, "alpha", "Web", azdosim.Identity{UniqueName: "bot@alpha.example"})
	b := newRoutedOrg(t, sim, "beta", "Tools", azdosim.Identity{UniqueName: "bot@beta.example"})
	c := newRoutedOrg(t, sim, "gamma", "Other", azdosim.Identity{UniqueName: "bot@gamma.example"})

	nats := eventstest.Start(t, streams.Config{Memory: true})
	coord, err := coordination.Ensure(context.Background(), nats.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	newWorker := func(o *routedOrg, tune func(*worker.Config)) worker.Route {
		cfg := worker.Config{OrgURL: o.org.URL(), Coordinator: coord, LeaseRefresh: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
		if tune != nil {
			tune(&cfg)
		}
		w, err := worker.New(cfg, o.client, nil)
		require.NoError(t, err)
		return worker.Route{Worker: w, Lister: o.client}
	}
	router := worker.NewRouter(nil, slog.New(slog.DiscardHandler))
	require.NoError(t, router.Set([]worker.Route{
		newWorker(a, nil),
		newWorker(b, func(cfg *worker.Config) {
			// The organisation keeps every finding; its project Tools only errors.
			cfg.RepoDefaults = repoconfig.Config{SeverityThreshold: reviewer.SeverityInfo}
			cfg.ProjectDefaults = map[string]repoconfig.Config{"tools": {SeverityThreshold: reviewer.SeverityError}}
		}),
	}))

	pub := events.NewPublisher(nats.JS, streams.Config{}.Fleet)
	unnamed := a.request("")
	unnamed.EventID, unnamed.SourceCommit = "unnamed", "" // a message of its own
	for _, req := range []*events.ReviewRequest{
		a.request(strings.ToUpper(a.org.URL()) + "/"), // any form of the URL selects it
		b.request(b.org.URL()),
		c.request(c.org.URL()),
		unnamed,
	} {
		_, err := pub.Publish(context.Background(), req)
		require.NoError(t, err)
	}
	var mu sync.Mutex
	reports := map[string]worker.Report{}
	nats.ConsumeSettled(t, events.ConsumeConfig{Concurrency: 2}, 4, func(ctx context.Context, msg jetstream.Msg) error {
		req, rep, err := router.HandleMessage(ctx, msg)
		require.NotNil(t, req)
		mu.Lock()
		reports[req.EventID] = rep
		mu.Unlock()
		return err
	})

	require.Equal(t, worker.OutcomeReviewed, reports["alpha-1"].Outcome)
	require.Equal(t, 1, reports["alpha-1"].ThreadsPosted, "console.log is a warning")
	require.Equal(t, worker.OutcomeReviewed, reports["beta-1"].Outcome)
	require.Equal(t, 0, reports["beta-1"].ThreadsPosted, "project Tools keeps errors only")
	for _, id := range []string{"gamma-1", "unnamed"} {
		require.Equal(t, worker.OutcomeSkipped, reports[id].Outcome, id)
		require.Equal(t, worker.SkipOtherOrg, reports[id].SkipCode, id)
	}

	seen := map[string]int{}
	for _, r := range sim.Server.Requests() {
		org, _, _ := strings.Cut(strings.TrimPrefix(r.Path, "/"), "/")
		seen[org]++
		switch org {
		case "alpha":
			require.Equal(t, a.who.UniqueName, r.Caller, r.Path)
		case "beta":
			require.Equal(t, b.who.UniqueName, r.Caller, r.Path)
		}
		require.NotContains(t, []int{401, 403}, r.Status, "%s %s", r.Method, r.Path)
	}
	require.Positive(t, seen["alpha"])
	require.Positive(t, seen["beta"])
	require.Zero(t, seen["gamma"], "nothing is sent to an organisation that is not configured")
}

// Set replaces the organisations at once; a duplicate leaves them as they
// were.
func TestRouterSet(t *testing.T) {
	t.Parallel()
	w := func(url string) worker.Route {
		wk, err := worker.New(worker.Config{OrgURL: url, Logger: slog.New(slog.DiscardHandler)}, azdotest.NewFake(nil, nil), nil)
		require.NoError(t, err)
		return worker.Route{Worker: wk}
	}
	r := worker.NewRouter(nil, nil)
	_, ok := r.Worker("")
	require.False(t, ok, "no organisation yet")
	one := w("https://dev.azure.com/a")
	require.NoError(t, r.Set([]worker.Route{one}))
	got, ok := r.Worker("")
	require.True(t, ok, "one organisation takes requests that name none")
	require.Same(t, one.Worker, got)
	got, ok = r.Worker("https://a.visualstudio.com")
	require.True(t, ok)
	require.Same(t, one.Worker, got)

	require.ErrorContains(t, r.Set([]worker.Route{w("https://dev.azure.com/b"), w("https://dev.azure.com/B/")}), "routed twice")
	require.Len(t, r.Routes(), 1, "the previous set stays")
	_, ok = r.Worker("https://dev.azure.com/b")
	require.False(t, ok)
}

// Each organisation is swept under its own lease and schedule: one
// organisation's sweep does not make the next skip the other's as "the
// fleet swept … ago".
func TestRouterSweepsEveryOrganisation(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	a := newRoutedOrg(t, sim, "alpha", "Web", azdosim.Identity{UniqueName: "bot@alpha.example"})
	b := newRoutedOrg(t, sim, "beta", "Tools", azdosim.Identity{UniqueName: "bot@beta.example"})
	nats := eventstest.Start(t, streams.Config{Memory: true})
	coord, err := coordination.Ensure(context.Background(), nats.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	router := worker.NewRouter(nil, slog.New(slog.DiscardHandler))
	var rs []worker.Route
	for _, o := range []*routedOrg{a, b} {
		w, err := worker.New(worker.Config{OrgURL: o.org.URL(), Coordinator: coord, Logger: slog.New(slog.DiscardHandler)}, o.client, nil)
		require.NoError(t, err)
		rs = append(rs, worker.Route{Worker: w, Lister: o.client})
	}
	require.NoError(t, router.Set(rs))
	require.NoError(t, router.SweepEvery(context.Background(), time.Hour, events.NewPublisher(nats.JS, streams.Config{}.Fleet)))

	eventstest.WaitMessages(t, nats.Stream, 2)
	batch, err := nats.Consumer.Fetch(2, jetstream.FetchMaxWait(2*time.Second))
	require.NoError(t, err)
	got := map[string]int{}
	for m := range batch.Messages() {
		req, err := events.UnmarshalRequest(m.Data())
		require.NoError(t, err)
		got[req.OrgURL] = req.PullRequestID
		require.NoError(t, m.Ack())
	}
	require.Equal(t, map[string]int{a.org.URL(): a.pr.ID(), b.org.URL(): b.pr.ID()}, got, "both organisations' lost pull requests are enqueued")
}

// TestRouterReadsTheThreadsInFullOnARedelivery: the Router, the
// production handler, passes the message's delivery count on, so a
// redelivered request — its last delivery may have died mid-post — reads
// the pull request's thread list in full, where a first delivery reads by
// id only the threads the review state names.
func TestRouterReadsTheThreadsInFullOnARedelivery(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		naks     int
		wantList bool
	}{
		{"first delivery", 0, false},
		{"redelivery", 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := setupHistory(t, map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
			w := h.worker(t)
			_, err := w.Review(context.Background(), h.request())
			require.NoError(t, err)
			h.push(map[string]string{"/a.js": noisy + "debugger;\n"})
			router := worker.NewRouter(nil, slog.New(slog.DiscardHandler))
			require.NoError(t, router.Set([]worker.Route{{Worker: w}}))

			req := h.request()
			req.OrgURL, req.EventID = h.sim.Org.URL(), "push-2"
			_, err = events.NewPublisher(h.nats.JS, streams.Config{}.Fleet).Publish(context.Background(), req)
			require.NoError(t, err)
			fetch := func() jetstream.Msg {
				batch, err := h.nats.Consumer.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
				require.NoError(t, err)
				for msg := range batch.Messages() {
					return msg
				}
				t.Fatal("no message within 5s")
				return nil
			}
			msg := fetch()
			for range tt.naks {
				require.NoError(t, msg.Nak())
				msg = fetch()
			}
			var rep worker.Report
			calls := h.calls(func() { _, rep, err = router.HandleMessage(context.Background(), msg) })
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			require.Equal(t, tt.wantList, calls["git.threads.list"] > 0, "%v", calls)
		})
	}
}
