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
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/fleet"
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
	// KillAt is the fraction of the script after which the worker process
	// is killed.
	KillAt  float64
	Timeout time.Duration
	// AckWait of the review stream (ACK_WAIT): how soon a killed worker's
	// messages are redelivered.
	AckWait  time.Duration
	Keep     bool
	Verbose  bool
	Progress io.Writer
}

func defaultConfig() config {
	return config{
		PRs: 50, Webhooks: 200, Seed: 1, Workers: 2, Processes: 1, Concurrency: 4,
		Rate: 40, Faults: true, KillAt: 0.3, Timeout: 2 * time.Minute, AckWait: 2 * time.Second,
	}
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
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "%8s  %s\n", "", fmt.Sprintf(format, args...))
		}
	}
	res := &Result{Config: cfg, Outcomes: map[string]int{}, Statuses: map[int]int{}}

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

	// JetStream on disk, provisioned as the processes provision it.
	b, err := apptest.StartBroker(filepath.Join(dir, "jetstream"))
	if err != nil {
		return nil, err
	}
	defer b.Stop()
	nc, err := b.Connect("bench")
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	streamCfg := streams.Config{AckWait: cfg.AckWait}
	streams, err := apptest.Provision(ctx, nc, streamCfg)
	if err != nil {
		return nil, err
	}
	in, err := apptest.StartIngest(streams.JS, hookToken, nil)
	if err != nil {
		return nil, err
	}
	defer in.Stop() //nolint:errcheck // reported by the run already
	project.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestUpdated, URL: in.WebhookURL})
	repoSub := project.AddSubscription(azdosim.SubscriptionSpec{EventType: azdosim.EventPullRequestUpdated, URL: in.WebhookURL, Repository: repo})

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
		wnc, err := b.Connect(fmt.Sprintf("bench-worker-%d", i))
		if err != nil {
			return nil, err
		}
		defer wnc.Close()
		ws, err := apptest.Provision(ctx, wnc, streamCfg)
		if err != nil {
			return nil, err
		}
		if cfg.ShortBackoff {
			// The consume loop and worker wired as app.RunWorker wires
			// them, but redelivering failures after 100 ms × delivery
			// instead of 5 s doubling.
			w, err := apptest.StartWorker(ctx, apptest.WorkerOptions{
				JS: ws.JS, Stream: streamCfg, OrgURL: org.URL(), PAT: pat, Concurrency: cfg.Concurrency,
				Log: log, Name: fmt.Sprintf("bench-worker-%d", i),
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
			"--ack-wait", cfg.AckWait.String(), "--worker-concurrency", strconv.Itoa(cfg.Concurrency), "--shutdown-grace", "5s")
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
		return apptest.ProcessOptions{
			Binary: bin, NATSURL: b.URL, OrgURL: org.URL(), PAT: pat, AckWait: cfg.AckWait,
			Concurrency: cfg.Concurrency, LogPath: filepath.Join(dir, fmt.Sprintf("worker-process-%d.log", n)), Tally: t,
		}
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
		sim.Delay("", 2*time.Millisecond)
		sim.Delay("git.threads.create", 15*time.Millisecond)
	}
	var repoNotifications atomic.Int64
	var answersMu sync.Mutex
	deliver := func(body []byte) error {
		d, err := in.Deliver(ctx, body)
		answersMu.Lock()
		defer answersMu.Unlock()
		res.Webhooks++
		switch {
		case err != nil:
			res.Refused++
			return err
		case d.Accepted() && d.Duplicate:
			res.Duplicate++
		case d.Accepted():
			res.Accepted++
		default:
			res.Refused++
		}
		return nil
	}
	push := func(p *pullRequest) []byte {
		p.pushes++
		p.tree = apptest.Revise(p.tree, p.pushes)
		p.pr.Push(repo.Commit(p.tree))
		return p.pr.Event(azdosim.EventPullRequestUpdated)
	}

	start := time.Now()
	killAt := int(float64(len(script)) * cfg.KillAt)
	var killDone chan error
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
		if i == killAt && cfg.Processes > 0 {
			killDone = make(chan error, 1)
			go func() {
				killDone <- killAndReplace(ctx, streams.JS, &procMu, &procs, victimTally, procOpts(cfg.Processes, tally), res, start, progress)
			}()
		}
		p := prs[s.pr]
		var err error
		switch s.kind {
		case stepCreated, stepLateCreated:
			p.last = p.created
			err = deliver(p.created)
		case stepRace:
			updated := push(p)
			p.last = updated
			errs := make(chan error, 2)
			go func() { errs <- deliver(p.created) }()
			go func() { errs <- deliver(updated) }()
			err = errors.Join(<-errs, <-errs)
		case stepPush:
			p.last = push(p)
			err = deliver(p.last)
		case stepSecondSubscription:
			err = deliver(apptest.FromSubscription(p.last, repoSub, int(repoNotifications.Add(1)), uuid.NewString()))
		case stepRetry:
			err = deliver(p.last)
		case stepVote:
			p.last = p.pr.Event(azdosim.EventPullRequestUpdated)
			err = deliver(p.last)
		}
		if err != nil {
			return res, fmt.Errorf("step %d (%s, pull request %d): %w", i, s.kind, p.pr.ID(), err)
		}
	}
	res.ScriptTook = time.Since(start)
	progress("script sent in %s: %d webhooks", res.ScriptTook.Round(time.Millisecond), res.Webhooks)
	if killDone != nil {
		if err := <-killDone; err != nil {
			return res, err
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
	return res, errors.Join(workerErrs...)
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

// killAndReplace waits until the first worker process holds a pull
// request's lease (it is in the middle of a review), SIGKILLs it and starts
// a replacement.
func killAndReplace(ctx context.Context, js jetstream.JetStream, mu *sync.Mutex, procs *[]*apptest.Process, victim *apptest.LogTally,
	opts apptest.ProcessOptions, res *Result, start time.Time, progress func(string, ...any),
) error {
	mu.Lock()
	p := (*procs)[0]
	*procs = (*procs)[1:]
	mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitForLease(wctx, js, p.Pid()); err != nil {
		_ = p.Kill()
		return fmt.Errorf("the worker process to kill never took a lease: %w", err)
	}
	if err := p.Kill(); err != nil {
		return err
	}
	res.KilledAt = time.Since(start)
	res.VictimReviews = victim.Count(apptest.MsgReviewPosted)
	res.VictimLeases = leasesHeldBy(ctx, js, p.Pid())
	progress("SIGKILLed worker process %d at %s after %d reviews, holding %d leases", p.Pid(), res.KilledAt.Round(time.Millisecond), res.VictimReviews, res.VictimLeases)
	replacement, err := apptest.StartWorkerProcess(ctx, opts)
	if err != nil {
		return err
	}
	mu.Lock()
	*procs = append(*procs, replacement)
	mu.Unlock()
	progress("replacement worker process %d consuming", replacement.Pid())
	return nil
}

// waitForLease returns once process pid holds a pull request's lease,
// watching the lease bucket.
func waitForLease(ctx context.Context, js jetstream.JetStream, pid int) error {
	kv, err := js.KeyValue(ctx, fleet.Names{}.LeaseBucket())
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return err
	}
	defer w.Stop() //nolint:errcheck // nothing to do about it
	for {
		select {
		case e := <-w.Updates():
			if e != nil && e.Operation() == jetstream.KeyValuePut && strings.HasSuffix(string(e.Value()), "/"+strconv.Itoa(pid)) {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// leasesHeldBy counts the pull-request leases whose holder is process pid
// (lease values are "host/pid"): reviews it was in the middle of.
func leasesHeldBy(ctx context.Context, js jetstream.JetStream, pid int) int {
	kv, err := js.KeyValue(ctx, fleet.Names{}.LeaseBucket())
	if err != nil {
		return -1
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return -1
	}
	n := 0
	for key := range keys.Keys() {
		if e, err := kv.Get(ctx, key); err == nil && strings.HasSuffix(string(e.Value()), "/"+strconv.Itoa(pid)) {
			n++
		}
	}
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
