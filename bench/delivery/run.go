package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// config is one run.
type config struct {
	PRs, Webhooks int
	Seed          uint64
	// Workers in-process, Processes as the real binary (0: none; else the
	// first is SIGKILLed at KillAt of the script and replaced).
	Workers, Processes int
	Concurrency        int
	// ShortBackoff runs the in-process workers with a redelivery backoff of
	// 100 ms × delivery (apptest.StartWorker) instead of app.RunWorker's
	// 5 s doubling, for a run that takes seconds.
	ShortBackoff bool
	// Rate is webhook deliveries per second.
	Rate   float64
	Faults bool
	// Latency is added to every Azure DevOps call (with Faults, at least
	// 2 ms).
	Latency time.Duration
	// KillAt is the fraction of the script after which the worker process
	// is killed.
	KillAt  float64
	Timeout time.Duration
	// AckWait of the review stream (ACK_WAIT): how soon a killed worker's
	// messages are redelivered.
	AckWait time.Duration
	// LeaseTTL is the workers' LEASE_TTL (0: the product's, ACK_WAIT).
	LeaseTTL time.Duration
	// Cluster is how many nats-server processes form a JetStream cluster,
	// every stream and bucket replicated on each (0: one embedded server).
	Cluster int
	// Ingests is how many ingest handlers share the deliveries, round
	// robin, each with its own connection (to another server of a cluster).
	// Default 1.
	Ingests int
	// KillLeaderAt is the fraction of the script after which the review
	// stream's leader server is SIGKILLed (a cluster only; negative:
	// never), LeaderDown how long it stays down before it is restarted.
	KillLeaderAt float64
	LeaderDown   time.Duration
	// Retries is how often a delivery answered 5xx (or not at all) is
	// sent again, RetryPause apart, as Azure DevOps retries.
	Retries    int
	RetryPause time.Duration
	Keep       bool
	Verbose    bool
	Progress   io.Writer
}

func defaultConfig() config {
	return config{
		PRs: 50, Webhooks: 200, Seed: 1, Workers: 2, Processes: 1, Concurrency: 4,
		Rate: 40, Faults: true, KillAt: 0.3, Timeout: 2 * time.Minute, AckWait: 2 * time.Second,
		Ingests: 1, KillLeaderAt: -1, LeaderDown: 5 * time.Second, Retries: 30, RetryPause: time.Second,
	}
}

// fleetConfig is the fleet scenario: a 3-node cluster with every stream
// and bucket R3, 2 ingest handlers and 3 worker processes at the product's
// ACK_WAIT and LEASE_TTL; the review stream's leader server is SIGKILLed
// at a fifth of the script and restarted 5 s later, a worker process at
// 55 % (once the cluster is whole again) and replaced. No Azure DevOps
// faults and no client-side rate limit, so that what the run measures is
// the delivery path.
func fleetConfig() config {
	c := defaultConfig()
	c.PRs, c.Webhooks, c.Rate = 100, 600, 20
	// Reviews of about half a second, so that a worker is in the middle
	// of a few when it is killed.
	c.Latency = 30 * time.Millisecond
	c.Cluster, c.Ingests, c.Workers, c.Processes = 3, 2, 0, 3
	c.Faults = false
	c.KillLeaderAt, c.KillAt = 0.2, 0.55
	c.AckWait = streams.DefaultAckWait
	return c
}

// hookToken authenticates the script's deliveries.
const hookToken = "bench-delivery-token-7e3a"

// pullRequest is the script's view of one pull request.
type pullRequest struct {
	pr      *azdosim.PullRequest
	tree    map[string]string
	created []byte // the created event, as delivered (and retried)
	last    []byte // the last body delivered
	pushes  int    // iterations
}

// run sets everything up, sends the script, waits for the reviews and
// counts. The Result is filled as far as the run got, even with an error.
func run(ctx context.Context, cfg config) (*Result, error) {
	if cfg.PRs < 1 || cfg.Webhooks < cfg.PRs {
		return nil, fmt.Errorf("need at least one pull request and one webhook per pull request (got %d and %d)", cfg.PRs, cfg.Webhooks)
	}
	cfg.Ingests = max(cfg.Ingests, 1)
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "%8s  %s\n", "", fmt.Sprintf(format, args...))
		}
	}
	res := &Result{Config: cfg, Outcomes: map[string]int{}, Statuses: map[int]int{}, Answers: map[int]int{}}

	dir, err := os.MkdirTemp("", "azreviewer-bench-delivery-*")
	if err != nil {
		return nil, err
	}
	if cfg.Keep {
		res.WorkDir = dir
	} else {
		defer os.RemoveAll(dir)
	}

	var bin string
	if cfg.Processes > 0 {
		progress("building ./cmd/worker")
		if bin, err = apptest.BuildWorker(ctx, dir); err != nil {
			return nil, err
		}
	}

	// Azure DevOps.
	sim, err := azdosim.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	pat := randomHex(26)
	sim.AddPAT(pat, azdosim.Identity{ID: "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01", DisplayName: "Azure Reviewer", UniqueName: "azreviewer@fabrikam.example"})
	org := sim.AddOrg("Fabrikam Fiber")
	project := org.AddProject("Web Platform")
	repo := project.AddRepository("web-app")

	// JetStream on disk: one embedded server, or a cluster of nats-server
	// processes. Provisioned as the processes provision it.
	streamCfg := streams.Config{AckWait: cfg.AckWait}
	var cluster *apptest.Cluster
	// natsURL is the NATS_URL of the i-th client: a cluster's every
	// server, starting with another one for each client.
	var natsURL func(i int) string
	if cfg.Cluster > 0 {
		progress("building nats-server and starting a cluster of %d", cfg.Cluster)
		natsBin, err := apptest.BuildNATSServer(ctx, dir)
		if err != nil {
			return nil, err
		}
		startCtx, cancel := context.WithTimeout(ctx, time.Minute)
		cluster, err = apptest.StartCluster(startCtx, natsBin, filepath.Join(dir, "cluster"), cfg.Cluster)
		cancel()
		if err != nil {
			return nil, err
		}
		defer cluster.Stop()
		streamCfg.Replicas = cfg.Cluster
		natsURL = cluster.URLs
	} else {
		b, err := apptest.StartBroker(filepath.Join(dir, "jetstream"))
		if err != nil {
			return nil, err
		}
		defer b.Stop()
		natsURL = func(int) string { return b.URL }
	}
	connect := func(name string, i int) (*nats.Conn, error) {
		nc, err := nats.Connect(natsURL(i), nats.Name(name), nats.DontRandomize(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
		if err != nil {
			return nil, fmt.Errorf("connect to %s: %w", natsURL(i), err)
		}
		return nc, nil
	}
	nc, err := connect("bench", 0)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	streams, err := provision(ctx, nc, streamCfg)
	if err != nil {
		return nil, err
	}
	ingests := make([]*apptest.Ingest, cfg.Ingests)
	for i := range ingests {
		inc, err := connect(fmt.Sprintf("bench-ingest-%d", i), i)
		if err != nil {
			return nil, err
		}
		defer inc.Close()
		ijs, err := jetstream.New(inc)
		if err != nil {
			return nil, err
		}
		if ingests[i], err = apptest.StartIngest(ijs, hookToken, nil); err != nil {
			return nil, err
		}
		defer ingests[i].Stop() //nolint:errcheck // reported by the run already
	}
	project.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestUpdated, URL: ingests[0].WebhookURL})
	repoSub := project.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestUpdated, URL: ingests[0].WebhookURL, Repository: repo})

	// Workers.
	tally := apptest.NewLogTally()
	workCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	var workerErrs []error
	var workerErrsMu sync.Mutex
	defer func() { stopWorkers(); workers.Wait() }()
	for i := range cfg.Workers {
		logFile, err := os.Create(filepath.Join(dir, fmt.Sprintf("worker-inprocess-%d.log", i)))
		if err != nil {
			return nil, err
		}
		defer logFile.Close()
		log := slog.New(tally.Handler(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug})))
		wnc, err := connect(fmt.Sprintf("bench-worker-%d", i), i)
		if err != nil {
			return nil, err
		}
		defer wnc.Close()
		ws, err := provision(ctx, wnc, streamCfg)
		if err != nil {
			return nil, err
		}
		if cfg.ShortBackoff {
			// The consume loop and worker wired as app.RunWorker wires
			// them, but redelivering failures after 100 ms × delivery
			// instead of 5 s doubling.
			w, err := apptest.StartWorker(ctx, apptest.WorkerOptions{
				JS: ws.JS, Stream: streamCfg, OrgURL: org.URL(), PAT: pat, Concurrency: cfg.Concurrency,
				LeaseTTL: cfg.LeaseTTL, Log: log, Name: fmt.Sprintf("bench-worker-%d", i),
			})
			if err != nil {
				return nil, err
			}
			workers.Go(func() {
				<-workCtx.Done()
				if err := w.Stop(); err != nil {
					workerErrsMu.Lock()
					workerErrs = append(workerErrs, fmt.Errorf("in-process worker %d: %w", i, err))
					workerErrsMu.Unlock()
				}
			})
			continue
		}
		// Configured as the worker command is, with its defaults.
		common, wc, err := apptest.WorkerFlags("--azdo-org-url", org.URL(), "--azdo-pat", pat,
			"--ack-wait", cfg.AckWait.String(), "--lease-ttl", cfg.LeaseTTL.String(), "--stream-replicas", strconv.Itoa(streamCfg.WithDefaults().Replicas),
			"--worker-concurrency", strconv.Itoa(cfg.Concurrency), "--shutdown-grace", "5s")
		if err != nil {
			return nil, err
		}
		workers.Go(func() {
			err := app.RunWorker(workCtx, common, wc,
				app.WorkerDeps{JS: ws.JS, Stream: ws.Stream, Registry: prometheus.NewRegistry(), Log: log})
			if err != nil && !errors.Is(err, context.Canceled) {
				workerErrsMu.Lock()
				workerErrs = append(workerErrs, fmt.Errorf("in-process worker %d: %w", i, err))
				workerErrsMu.Unlock()
			}
		})
	}
	procOpts := func(n int, t *apptest.LogTally) apptest.ProcessOptions {
		o := apptest.ProcessOptions{
			Binary: bin, NATSURL: natsURL(n), OrgURL: org.URL(), PAT: pat, AckWait: cfg.AckWait, LeaseTTL: cfg.LeaseTTL,
			Concurrency: cfg.Concurrency, LogPath: filepath.Join(dir, fmt.Sprintf("worker-process-%d.log", n)), Tally: t,
		}
		if cluster != nil {
			// No client-side rate limit against the simulator: the fleet
			// scenario measures the delivery path.
			o.Env = []string{"STREAM_REPLICAS=" + strconv.Itoa(cfg.Cluster), "AZDO_REQUESTS_PER_SECOND=-1", "AZDO_BUDGET=0"}
		}
		return o
	}
	var procs []*apptest.Process
	var procMu sync.Mutex
	defer func() {
		procMu.Lock()
		defer procMu.Unlock()
		for _, p := range procs {
			_ = p.Stop()
		}
	}()
	// The first process has a tally of its own, to see it working before
	// it is killed; every process also feeds the shared one.
	victimTally := apptest.NewLogTally(tally)
	for i := range cfg.Processes {
		t := tally
		if i == 0 {
			t = victimTally
		}
		p, err := apptest.StartWorkerProcess(ctx, procOpts(i, t))
		if err != nil {
			return nil, err
		}
		procMu.Lock()
		procs = append(procs, p)
		procMu.Unlock()
	}
	progress("%d in-process workers and %d worker processes consuming", cfg.Workers, cfg.Processes)

	// Pull requests.
	rng := mrand.New(mrand.NewPCG(cfg.Seed, 0x5eed))
	prs := make([]*pullRequest, cfg.PRs)
	for i := range prs {
		files, findings := 1+rng.IntN(3), 1+rng.IntN(5)
		base, head := apptest.Sources(fmt.Sprintf("pull request %d", i), files, findings)
		pr := repo.CreatePullRequest(azdosim.PullRequestSpec{
			Title: fmt.Sprintf("Change %d", i), Base: repo.Commit(base), Head: repo.Commit(head),
			CreatedBy: azdosim.Identity{DisplayName: "Jamal Hartnett", UniqueName: "jamal@fabrikam.example"},
		})
		prs[i] = &pullRequest{pr: pr, tree: head, created: pr.Event(azdosim.EventPullRequestCreated), pushes: 1}
	}
	script := plan(rng, cfg.PRs, cfg.Webhooks)

	if cfg.Faults {
		// Latency throughout.
		sim.Delay("", max(cfg.Latency, 2*time.Millisecond))
		sim.Delay("git.threads.create", 15*time.Millisecond)
	} else if cfg.Latency > 0 {
		sim.Delay("", cfg.Latency)
	}
	start := time.Now()
	var repoNotifications atomic.Int64
	d := &deliverer{ingests: ingests, res: res, start: start, retries: cfg.Retries, pause: cfg.RetryPause, seqs: map[int][]uint64{}}
	push := func(p *pullRequest) []byte {
		p.pushes++
		p.tree = apptest.Revise(p.tree, p.pushes)
		p.pr.Push(repo.Commit(p.tree))
		return p.pr.Event(azdosim.EventPullRequestUpdated)
	}

	killAt := int(float64(len(script)) * cfg.KillAt)
	leaderAt := -1
	if cluster != nil && cfg.KillLeaderAt >= 0 {
		leaderAt = int(float64(len(script)) * cfg.KillLeaderAt)
	}
	var killDone, leaderDone, recovered chan error
	tick := time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
	defer tick.Stop()
	for i, s := range script {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		if cfg.Faults {
			injectFaults(sim, i, len(script), cfg.PRs)
		}
		if i == leaderAt {
			leaderDone = make(chan error, 1)
			go func() { leaderDone <- killLeader(ctx, streams.Stream, cluster, cfg.LeaderDown, res, start, progress) }()
		}
		if i == killAt && cfg.Processes > 0 {
			killDone, recovered = make(chan error, 1), make(chan error, 1)
			go func() {
				killDone <- killAndReplace(ctx, streams, &procMu, &procs, victimTally, procOpts(cfg.Processes, tally), d, prs, res, start, recovered, progress)
			}()
		}
		p := prs[s.pr]
		var err error
		switch s.kind {
		case stepCreated, stepLateCreated:
			p.last = p.created
			err = d.deliver(ctx, s.pr, p.created)
		case stepRace:
			updated := push(p)
			p.last = updated
			errs := make(chan error, 2)
			go func() { errs <- d.deliver(ctx, s.pr, p.created) }()
			go func() { errs <- d.deliver(ctx, s.pr, updated) }()
			err = errors.Join(<-errs, <-errs)
		case stepPush:
			p.last = push(p)
			err = d.deliver(ctx, s.pr, p.last)
		case stepSecondSubscription:
			err = d.deliver(ctx, s.pr, apptest.FromSubscription(p.last, repoSub, int(repoNotifications.Add(1)), uuid.NewString()))
		case stepRetry:
			err = d.deliver(ctx, s.pr, p.last)
		case stepVote:
			p.last = p.pr.Event(azdosim.EventPullRequestUpdated)
			err = d.deliver(ctx, s.pr, p.last)
		}
		if err != nil {
			return res, fmt.Errorf("step %d (%s, pull request %d): %w", i, s.kind, p.pr.ID(), err)
		}
	}
	res.ScriptTook = time.Since(start)
	progress("script sent in %s: %d webhooks", res.ScriptTook.Round(time.Millisecond), res.Webhooks)
	d.wait()
	progress("retries done after %s", time.Since(start).Round(time.Millisecond))
	for _, ch := range []chan error{leaderDone, killDone} {
		if ch != nil {
			if err := <-ch; err != nil {
				return res, err
			}
		}
	}

	// Wait (bounded) until nothing is pending or in flight: no further
	// review can happen then.
	waitCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	if err := streams.WaitSettled(waitCtx); err == nil {
		res.Settled = true
	}
	res.Elapsed = time.Since(start)
	progress("reviews settled after %s", res.Elapsed.Round(time.Millisecond))
	// A failure to settle is reported after the counting, so that the
	// result says what it cost.
	var runErrs []error
	if !res.Settled {
		runErrs = append(runErrs, fmt.Errorf("the review stream did not settle within %s", cfg.Timeout))
	}
	if recovered != nil {
		select {
		case err := <-recovered:
			runErrs = append(runErrs, err)
		case <-waitCtx.Done():
			runErrs = append(runErrs, fmt.Errorf("the killed worker's pull requests were not all settled: %w", waitCtx.Err()))
		}
		if res.backlogSettled != nil {
			res.BacklogSettled = res.backlogSettled()
		}
	}

	// Count.
	for i, p := range prs {
		c := apptest.CensusOf(p.pr.Threads())
		res.Pushes += p.pushes
		res.Reviews += len(p.pr.Statuses()) // one azreviewer/review status per completed review
		res.FindingThreads += len(c.Findings)
		res.Duplicates += c.Duplicates()
		if !c.HasSummary(p.pushes, p.pr.Head()) {
			res.Lost = append(res.Lost, p.pr.ID())
			var kinds []string
			for _, s := range script {
				if s.pr == i {
					kinds = append(kinds, s.kind.String())
				}
			}
			res.LostDetail = append(res.LostDetail, fmt.Sprintf("pull request %d: newest iteration %d not reviewed; reviewed %v; script: %s",
				p.pr.ID(), p.pushes, slices.Sorted(maps.Keys(c.Summaries)), strings.Join(kinds, ", ")))
		}
	}
	if res.DeadLetters, err = streams.DeadLetterCount(ctx); err != nil {
		return res, err
	}
	res.Calls = sim.Count("")
	res.Reads = sim.Count("git.pullRequests.get")
	for _, r := range sim.Requests() {
		if r.Status >= 400 {
			res.Statuses[r.Status]++
		}
	}
	stopWorkers()
	workers.Wait()
	procMu.Lock()
	for _, p := range procs {
		if err := p.Stop(); err != nil {
			workerErrs = append(workerErrs, fmt.Errorf("worker process %d: %w", p.Pid(), err))
		}
	}
	procs = nil
	procMu.Unlock()
	res.Outcomes = tally.Counts()
	return res, errors.Join(append(runErrs, workerErrs...)...)
}

// provision sets the streams up as the processes do, retrying while a
// cluster is still electing the leaders of what it just created.
func provision(ctx context.Context, nc *nats.Conn, cfg streams.Config) (*apptest.Streams, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		s, err := apptest.Provision(ctx, nc, cfg)
		if err == nil {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// injectFaults switches faults on as the script passes its marks, in
// numbers that grow with the run: f per 10 pull requests.
func injectFaults(sim *azdosim.Server, i, n, prs int) {
	f := max(1, prs/10)
	switch i {
	case n / 5:
		sim.RateLimit(azdosim.RateLimit{Requests: 2 * f, RetryAfter: time.Second})
	case n * 2 / 5:
		sim.FailRequests("git.iterations.list", f, 503, 0)
		sim.FailRequests("git.items.get", f, 502, 0)
		sim.FailRequests("git.threads.create", f, 500, 0)
	case n * 3 / 5:
		sim.FailAfterApplying("git.threads.create", f)
		sim.FailRequests("git.threads.list", f, 503, time.Second)
	case n * 4 / 5:
		sim.RateLimit(azdosim.RateLimit{Requests: 2 * f, RetryAfter: time.Second})
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
