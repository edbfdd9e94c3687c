// Package drain measures how worker processes sharing one Azure DevOps
// identity drain review requests against the simulator's TSTU-like budget
// (azdosim.Throttle, with a short window): for N = 1, 2, 4, 8, 16 reviews
// in flight per process and 1 and 3 processes, with the per-process
// limiter only ("old": each process paced at the identity's whole budget
// rate, as one process sized to the budget is) and with the
// identity-wide budget of package budget ("new", the per-process caps
// left above it as a safety net), in the same run.
//
// The processes are in-process workers, each with its own NATS
// connection, coordination store, Azure DevOps client (limiter) and
// budget, draining a shared queue of one-file pull requests with
// worker.Review (the JetStream consumer is left out: it is not what the
// budget paces). Every row has a fresh simulator and NATS server.
//
// It prints drain time, reviews/s, units/s spent at the simulator, the
// efficiency (units/s ÷ the budget's rate; above 1 for a short drain,
// since the first window's budget is there at once), the steady
// efficiency (the same over the whole windows after the first, at most 1
// for a client that keeps to the budget; shown when there is one), the
// most units the identity
// spent in one sliding window against the limit, requests delayed, and
// 429s in the first window of the row ("start") and after it
// ("steady"). It asserts nothing. Command budget (go run ./bench/budget)
// and bench/cost print it.
package drain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/budget"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
	"github.com/azreviewer/azreviewer/internal/worker/workertest"
)

// Config is one measurement.
type Config struct {
	Reviews   int
	Limit     float64
	Window    time.Duration
	Latency   time.Duration
	InFlight  []int
	Processes []int
	Modes     []string
	Slice     float64       // the budget's slice; 0: its default
	SliceTTL  time.Duration // 0: its default
	Timeout   time.Duration // per row
	Progress  io.Writer     // nil: none
}

// Modes.
const (
	ModeOld = "old"
	ModeNew = "new"
)

// Row is one drain.
type Row struct {
	Processes, InFlight int
	Mode                string
	Drain               time.Duration
	Reviews             int
	Spent, MaxInWindow  float64
	Delayed             int
	Blocked             int
	BlockedAtStart      int
	Failed              int // reviews that failed and were retried
	// SteadyUnits were spent over SteadyFor: the whole windows after the
	// first (whose budget is there at once) before the last request.
	SteadyUnits float64
	SteadyFor   time.Duration
	TimedOut    bool
}

// Measure drains cfg.Reviews reviews for every combination.
func Measure(ctx context.Context, cfg Config) ([]Row, error) {
	var rows []Row
	for _, p := range cfg.Processes {
		for _, n := range cfg.InFlight {
			for _, mode := range cfg.Modes {
				if cfg.Progress != nil {
					fmt.Fprintf(cfg.Progress, "%d process(es) × %d in flight, %s\n", p, n, mode)
				}
				row, err := drain(ctx, cfg, p, n, mode)
				if err != nil {
					return rows, fmt.Errorf("%d × %d %s: %w", p, n, mode, err)
				}
				rows = append(rows, row)
			}
		}
	}
	return rows, nil
}

func drain(ctx context.Context, cfg Config, processes, inFlight int, mode string) (Row, error) {
	row := Row{Processes: processes, InFlight: inFlight, Mode: mode}
	rig, err := workertest.StartRig(ctx)
	if err != nil {
		return row, err
	}
	defer rig.Close()
	sim, nats := rig.Sim, rig.NATS
	srv, org, project, repo := sim.Server, sim.Org, sim.Project, sim.Repo
	queue := make(chan *events.ReviewRequest, cfg.Reviews)
	for i := range cfg.Reviews {
		base := map[string]string{"/README.md": "hello\n"}
		head := map[string]string{"/README.md": "hello\n", fmt.Sprintf("/src/f%d.js", i): fmt.Sprintf("console.log(%d);\n", i)}
		pr := repo.CreatePullRequest(azdosim.PullRequestSpec{Title: "Add feature", SourceBranch: fmt.Sprintf("feature/%d", i), TargetBranch: "main",
			Base: repo.Commit(base), Head: repo.Commit(head), CreatedBy: azdotest.Author()})
		queue <- &events.ReviewRequest{Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: fmt.Sprintf("e%d", i),
			ProjectID: project.ID(), RepositoryID: repo.ID(), PullRequestID: pr.ID(), SourceCommit: pr.Head()}
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rate := cfg.Limit / cfg.Window.Seconds()
	var workers []*worker.Worker
	for range processes {
		w, bud, err := process(ctx, cfg, nats.Server, org.URL(), sim.PAT, mode, rate)
		if err != nil {
			return row, err
		}
		if bud != nil {
			bud.Start(ctx)
			defer bud.Close()
		}
		workers = append(workers, w)
	}

	srv.Delay("", cfg.Latency)
	before := len(srv.Requests())
	srv.Throttle(azdosim.Throttle{Limit: cfg.Limit, Window: cfg.Window})
	start := time.Now()
	var done, failed atomic.Int64
	finished := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for _, w := range workers {
		for range inFlight {
			wg.Go(func() {
				for {
					select {
					case <-finished:
						return
					case <-ctx.Done():
						return
					case req := <-queue:
						if _, err := w.Review(ctx, req); err != nil {
							if ctx.Err() != nil {
								return
							}
							failed.Add(1)
							queue <- req // redelivered, as JetStream would
							continue
						}
						if done.Add(1) == int64(cfg.Reviews) {
							once.Do(func() { close(finished) })
						}
					}
				}
			})
		}
	}
	wg.Wait()
	row.Drain = time.Since(start)
	row.TimedOut = done.Load() < int64(cfg.Reviews)
	row.Reviews, row.Failed = int(done.Load()), int(failed.Load())
	st := srv.ThrottleStats(org, azdotest.User())
	row.Spent, row.MaxInWindow, row.Delayed, row.Blocked = st.Spent, st.MaxInWindow, st.Delayed, st.Blocked
	reqs := srv.Requests()[before:]
	var last time.Time
	for _, r := range reqs {
		if r.Status == 429 && r.At.Sub(start) < cfg.Window {
			row.BlockedAtStart++
		}
		last = r.At
	}
	// Steady state: the whole windows after the first (whose budget is
	// there at once), up to the last request.
	from := start.Add(cfg.Window)
	windows := int(last.Sub(from) / cfg.Window)
	to := from.Add(time.Duration(windows) * cfg.Window)
	row.SteadyFor = to.Sub(from)
	for _, r := range reqs {
		if !r.At.Before(from) && r.At.Before(to) && r.Status != 429 {
			row.SteadyUnits += azdo.CallCost(r.Method) // the table azdosim charges (the files are small)
		}
	}
	return row, nil
}

// process is one worker process: its own NATS connection, store, client
// and (new) budget.
func process(ctx context.Context, cfg Config, srv *broker.Server, orgURL, pat, mode string, rate float64) (*worker.Worker, *budget.Budget, error) {
	nc, err := srv.Connect()
	if err != nil {
		return nil, nil, err
	}
	context.AfterFunc(ctx, nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, err
	}
	store, err := coordination.Open(ctx, js, streams.Config{Memory: true}, coordination.Config{})
	if err != nil {
		return nil, nil, err
	}
	acfg := azdo.Config{OrgURL: orgURL, PAT: pat, MaxConcurrent: 32, RequestsPerSecond: rate}
	var bud *budget.Budget
	if mode == ModeNew {
		kv, err := js.KeyValue(ctx, budget.Bucket(streams.Config{Memory: true}).Bucket)
		if err != nil {
			return nil, nil, err
		}
		bud, err = budget.New(budget.Config{KV: kv, Org: azdotest.OrgName, Identity: azdo.PAT(pat).Identity(),
			Limit: cfg.Limit, Window: cfg.Window, Slice: cfg.Slice, SliceTTL: cfg.SliceTTL, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return nil, nil, err
		}
		acfg.Budget = bud
		acfg.RequestsPerSecond = 2 * rate // a safety net above the budget
	}
	client, err := azdo.New(acfg)
	if err != nil {
		return nil, nil, err
	}
	w, err := worker.New(worker.Config{OrgURL: orgURL, Coordinator: store, Logger: slog.New(slog.DiscardHandler)}, client, nil)
	if err != nil {
		return nil, nil, errors.Join(err)
	}
	return w, bud, nil
}

// Rate is the budget's rate in units per second.
func (c Config) Rate() float64 { return c.Limit / c.Window.Seconds() }

// Efficiency is the units spent per second of the drain over the budget's
// rate (above 1 for a short drain: the first window's budget is there at
// once).
func (r Row) Efficiency(cfg Config) float64 { return r.Spent / r.Drain.Seconds() / cfg.Rate() }

// SteadyEfficiency is the same over the whole windows after the first;
// false when the drain had none.
func (r Row) SteadyEfficiency(cfg Config) (float64, bool) {
	if r.SteadyFor < cfg.Window {
		return 0, false
	}
	return r.SteadyUnits / r.SteadyFor.Seconds() / cfg.Rate(), true
}

// BlockedSteady is the 429s after the first window.
func (r Row) BlockedSteady() int { return r.Blocked - r.BlockedAtStart }

// Print writes rows as a table.
func Print(out io.Writer, cfg Config, rows []Row) {
	rate := cfg.Rate()
	fmt.Fprintf(out, "budget: %g units per %s (%.0f units/s), latency %s, %d one-file reviews per row\n\n", cfg.Limit, cfg.Window, rate, cfg.Latency, cfg.Reviews)
	fmt.Fprintln(out, "| processes | in flight each | limiter | drain | reviews/s | units/s | efficiency | steady efficiency | max units in a window / limit | delayed | 429 at start | 429 steady | reviews retried |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		drain := fmt.Sprintf("%.1f s", r.Drain.Seconds())
		if r.TimedOut {
			drain = fmt.Sprintf("timeout (%d done)", r.Reviews)
		}
		s := r.Drain.Seconds()
		steady := "–"
		if e, ok := r.SteadyEfficiency(cfg); ok {
			steady = fmt.Sprintf("%.2f", e)
		}
		fmt.Fprintf(out, "| %d | %d | %s | %s | %.1f | %.0f | %.2f | %s | %.0f / %.0f | %d | %d | %d | %d |\n",
			r.Processes, r.InFlight, Label(r.Mode), drain, float64(r.Reviews)/s, r.Spent/s, r.Efficiency(cfg), steady,
			r.MaxInWindow, cfg.Limit, r.Delayed, r.BlockedAtStart, r.BlockedSteady(), r.Failed)
	}
}

// Label names a mode's limiter.
func Label(mode string) string {
	if mode == ModeNew {
		return "identity budget"
	}
	return "per-process only"
}

// Counts parses a comma-separated list of positive counts, as the
// -inflight and -processes flags take them.
func Counts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive count", f)
		}
		out = append(out, n)
	}
	return out, nil
}
