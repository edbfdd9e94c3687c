package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/azreviewer/azreviewer/bench/budget/drain"
	"github.com/azreviewer/azreviewer/bench/delivery/fullreview"
	"github.com/azreviewer/azreviewer/bench/ingestload/throughput"
	"github.com/azreviewer/azreviewer/bench/threadcost"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
)

// Row groups, in the order they run and print.
const (
	groupFull       = "full"
	groupSuperseded = "superseded"
	groupHistory    = "history"
	groupDrain      = "drain"
	groupIngest     = "ingest"
	groupRSS        = "rss"
)

// measure runs one group: its rows, and a function that prints its detail
// tables.
type measure func(ctx context.Context, cfg config, progress io.Writer) ([]row, func(io.Writer), error)

// group is one group of rows.
type group struct {
	name    string
	about   string
	measure measure
}

func groups() []group {
	return []group{
		{groupFull, "calls per full review, F = 1, 10, 100, 1,000", measureFull},
		{groupSuperseded, "calls of a superseded push event, through the consume path", measureSuperseded},
		{groupHistory, "incremental reviews at 0, 1,000 and 3,000 existing threads: calls, CPU, bytes", measureHistory},
		{groupDrain, "draining reviews on one identity against the simulator's budget", measureDrain},
		{groupIngest, "ingest against a minimal publish server", measureIngest},
		{groupRSS, "worker peak RSS on the 1,000-file, 100,000-line pull request", measureRSS},
	}
}

// measureHistory runs bench/threadcost: the index mode (every review) and
// the period mode (the review that reads the thread list once a
// ThreadListPeriod).
func measureHistory(ctx context.Context, cfg config, progress io.Writer) ([]row, func(io.Writer), error) {
	tc := threadcost.Config{Threads: cfg.threads, Repeat: cfg.repeat, Modes: []string{threadcost.ModeIndex, threadcost.ModePeriod}, Progress: progress}
	got, err := threadcost.Measure(ctx, tc)
	if err != nil {
		return nil, nil, err
	}
	var base *threadcost.Row // the index mode at the fewest threads
	for i, r := range got {
		if r.Mode == threadcost.ModeIndex && (base == nil || r.Threads < base.Threads) {
			base = &got[i]
		}
	}
	if base == nil {
		return nil, nil, fmt.Errorf("threadcost measured no %s row", threadcost.ModeIndex)
	}
	var rows []row
	for _, r := range got {
		if r.Mode != threadcost.ModeIndex {
			continue
		}
		b := threadcost.Bound(r.NewFindings)
		rows = append(rows,
			atMost(groupHistory, fmt.Sprintf("incremental review calls, %d threads", r.Threads), r.Calls, "", b, fmt.Sprintf("≤ %.0f (8 + 2 × %.0f new)", b, r.NewFindings)),
			atMost(groupHistory, fmt.Sprintf("incremental review calls, %d threads, a new worker", r.Threads), float64(r.ColdCalls), "", threadcost.Bound(float64(r.ColdFindings)),
				fmt.Sprintf("≤ %.0f (8 + 2 × %d new)", threadcost.Bound(float64(r.ColdFindings)), r.ColdFindings)))
	}
	for _, r := range got {
		cpu, kib := ms(r.CPU), r.BytesRead/1024
		switch {
		case r.Mode == threadcost.ModeIndex && r.Threads == base.Threads:
			rows = append(rows,
				row{group: groupHistory, what: fmt.Sprintf("incremental review CPU, %d threads (the baseline)", r.Threads), measured: cpu, unit: "ms", against: "–", ratio: math.NaN(), verdict: verdictNone},
				row{group: groupHistory, what: fmt.Sprintf("incremental review KiB read, %d threads (the baseline)", r.Threads), measured: kib, unit: "KiB", against: "–", ratio: math.NaN(), verdict: verdictNone})
		case r.Mode == threadcost.ModeIndex:
			rows = append(rows,
				ratioRow(groupHistory, fmt.Sprintf("incremental review CPU, %d threads", r.Threads), cpu, "ms", ms(base.CPU), 2, fmt.Sprintf("≤ 2 × %s (%d threads)", format(ms(base.CPU), "ms"), base.Threads)),
				ratioRow(groupHistory, fmt.Sprintf("incremental review KiB read, %d threads", r.Threads), kib, "KiB", base.BytesRead/1024, 2, fmt.Sprintf("≤ 2 × %s (%d threads)", format(base.BytesRead/1024, "KiB"), base.Threads)))
		default:
			// Not every review: shown next to the bound, judged by none.
			rr := ratioRow(groupHistory, fmt.Sprintf("incremental review CPU, %d threads, once a THREAD_LIST_PERIOD (reads the list)", r.Threads), cpu, "ms", ms(base.CPU), 2, fmt.Sprintf("%s (%d threads, every review)", format(ms(base.CPU), "ms"), base.Threads))
			rr.verdict = verdictNone
			rows = append(rows, rr)
		}
	}
	return rows, func(w io.Writer) {
		fmt.Fprintf(w, "Incremental one-file reviews, mean of %d per row (bench/threadcost):\n", tc.Repeat)
		_ = threadcost.Print(w, got)
	}, nil
}

// ratioRow is a row whose figure must stay within max times base.
func ratioRow(group, what string, measured float64, unit string, base, maxRatio float64, against string) row {
	r := ratioOf(measured, base)
	return row{group: group, what: what, measured: measured, unit: unit, against: against, ratio: r, verdict: verdict(!math.IsNaN(r) && r <= maxRatio)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measureDrain runs bench/budget's drain with the identity-wide budget.
func measureDrain(ctx context.Context, cfg config, progress io.Writer) ([]row, func(io.Writer), error) {
	dc := cfg.drain
	dc.Progress = progress
	dc.Modes = []string{drain.ModeNew}
	got, err := drain.Measure(ctx, dc)
	if err != nil {
		return nil, nil, err
	}
	rate := dc.Rate()
	var rows []row
	for _, r := range got {
		name := fmt.Sprintf("drain %d process(es) × %d in flight", r.Processes, r.InFlight)
		if r.TimedOut {
			name += fmt.Sprintf(" (timed out, %d of %d done)", r.Reviews, dc.Reviews)
		}
		// Steady: over the whole windows after the first, whose budget is
		// there at once; a drain too short to have one is shown whole,
		// and not judged.
		units, eff, steadyEff := r.Spent/r.Drain.Seconds(), r.Efficiency(dc), false
		over := "whole drain, no steady window"
		if e, ok := r.SteadyEfficiency(dc); ok {
			units, eff, steadyEff, over = r.SteadyUnits/r.SteadyFor.Seconds(), e, true, "steady"
		}
		e := row{group: groupDrain, what: fmt.Sprintf("%s: units/s (%s)", name, over), measured: units, unit: "units/s",
			against: fmt.Sprintf("the budget, %s", format(rate, "units/s")), ratio: eff, verdict: verdictNone}
		if r.Processes == 3 && r.InFlight == 16 && steadyEff {
			// Within 10% of the simulator's budget.
			e.against += "; ≥ 0.90 of it"
			e.verdict = verdict(eff >= 0.9 && !r.TimedOut)
		}
		rows = append(rows, e,
			atMost(groupDrain, name+": most units in one window", r.MaxInWindow, "units", dc.Limit, fmt.Sprintf("≤ %s (the limit)", format(dc.Limit, "units"))),
			atMost(groupDrain, fmt.Sprintf("%s: 429s steady (%d at start)", name, r.BlockedAtStart), float64(r.BlockedSteady()), "", 0, "0"))
		rows[len(rows)-1].ratio = math.NaN()
	}
	return rows, func(w io.Writer) {
		fmt.Fprintln(w, "Draining one-file reviews on one identity (bench/budget; efficiency: units/s ÷ the budget's rate):")
		drain.Print(w, dc, got)
	}, nil
}

// measureIngest runs ingestload's rate mode.
func measureIngest(ctx context.Context, cfg config, progress io.Writer) ([]row, func(io.Writer), error) {
	ic := cfg.ingest
	ic.Progress = progress
	root, err := apptest.ModuleRoot()
	if err != nil {
		return nil, nil, err
	}
	ic.Root = root
	cells, err := throughput.Run(ctx, ic)
	if err != nil {
		return nil, nil, err
	}
	levels := throughput.Levels(ic, cells)
	var rows []row
	for _, clients := range ic.Clients {
		what := fmt.Sprintf("ingest throughput, %d client(s)", clients)
		i := -1
		for j, l := range levels {
			if l.Clients == clients {
				i = j
			}
		}
		if i < 0 {
			// The machine stalled: no round of this level had both servers
			// answer within a measurement.
			rows = append(rows, row{group: groupIngest, what: what + " (no round in which both servers answered: try a longer -duration)",
				against: "≥ 0.90 of the minimal server", ratio: math.NaN(), unit: "req/s", verdict: verdictOver})
			continue
		}
		l := levels[i]
		rows = append(rows, row{group: groupIngest, what: what + " (median of the rounds' ratios)", measured: l.Ingest, unit: "req/s",
			against: fmt.Sprintf("minimal server %s; ≥ 0.90 of it", format(l.Minimal, "req/s")), ratio: l.Ratio, verdict: verdict(l.Ratio >= 0.9)})
	}
	return rows, func(w io.Writer) { throughput.Print(w, ic, cells) }, nil
}

// rssMiB is the cost bound on the worker's peak RSS.
const rssMiB = 128

// measureRSS reviews the 1,000-file pull request with a worker process.
func measureRSS(ctx context.Context, cfg config, progress io.Writer) ([]row, func(io.Writer), error) {
	dir, err := os.MkdirTemp("", "bench-cost-rss-*")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	bin, built := cfg.workerBin, "-worker "+cfg.workerBin
	if bin == "" {
		built = "./cmd/worker built as the Dockerfile builds it"
		fmt.Fprintln(progress, "rss: building ./cmd/worker as the Dockerfile does")
		if bin, err = fullreview.BuildWorker(ctx, dir); err != nil {
			return nil, nil, err
		}
	}
	sim, err := fullreview.StartSim()
	if err != nil {
		return nil, nil, err
	}
	defer sim.Close()
	fmt.Fprintf(progress, "rss: a worker process reviews %d files of %d lines\n", cfg.rssFiles, cfg.rssLines)
	// At the defaults: the repository's .azreviewer.yaml sets no limit,
	// so the pull request is reviewed whole only if the defaults allow it.
	pr, base, head := sim.NewPR(cfg.rssFiles, cfg.rssLines, fullreview.Defaults)
	res, err := fullreview.Worker{Binary: bin, Dir: filepath.Join(dir, "run")}.Review(ctx, sim, pr)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(progress, "rss: git diff of the same change")
	gitKiB, err := fullreview.GitDiff(ctx, filepath.Join(dir, "git"), base, head)
	if err != nil {
		return nil, nil, err
	}
	peak, git := float64(res.PeakKiB)/1024, float64(gitKiB)/1024
	what := fmt.Sprintf("worker peak RSS, %d files × %d lines at the defaults (%d reviewed)", cfg.rssFiles, cfg.rssLines, res.Files)
	r := atMost(groupRSS, what, peak, "MiB", rssMiB, fmt.Sprintf("≤ %d MiB", rssMiB))
	if res.Files != cfg.rssFiles {
		r.verdict = verdictOver // not reviewed whole
	}
	rows := []row{r, {group: groupRSS, what: "worker peak RSS against git diff of the same change", measured: peak, unit: "MiB",
		against: fmt.Sprintf("git diff %s", format(git, "MiB")), ratio: ratioOf(peak, git), verdict: verdictNone}}
	return rows, func(w io.Writer) {
		fmt.Fprintf(w, "A worker process (%s) on %d files × %d lines: peak RSS %s (before the review %s), %d files reviewed, %d thread(s) posted, %d calls (%d content reads; bound %d + 2 × threads), %s from the delivery; git diff %s\n",
			built, cfg.rssFiles, cfg.rssLines, format(peak, "MiB"), format(float64(res.IdleKiB)/1024, "MiB"), res.Files, res.Threads,
			res.Calls.Total(), res.Calls.Content, fullreview.Bound(cfg.rssFiles), res.Took.Round(time.Millisecond), format(git, "MiB"))
	}, nil
}
