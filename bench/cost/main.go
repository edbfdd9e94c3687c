// Command cost measures, in one run, what a review costs Azure DevOps and
// the machine against azreviewer's cost bounds, and prints it as one
// table, one row per figure: what | measured | bound or baseline | ratio |
// ok/OVER ("–" where no bound is set and the figure is shown for
// comparison), then the detail tables of each group.
// It asserts nothing and exits 0 whatever the verdicts; it exits 1 when a
// measurement could not be made.
//
// Groups (-only runs some, comma-separated):
//
//   - full: Azure DevOps calls of a full review of F = 1, 10, 100 and
//     1,000 changed files, without and with a finding, cold and warm,
//     against 8 + 2 × threads posted (F ≤ 100) and 12 + 2 × threads (F =
//     1,000) — the measurement internal/worker's
//     TestFullReviewCallsDoNotGrowWithFiles holds to
//     (workertest.MeasureFullReview).
//   - superseded: the calls of a push event superseded by the review of
//     an earlier one, through ingest, a JetStream stream and the consume
//     loop, against 0.
//   - history: a one-file incremental review at 0, 1,000 and 3,000
//     existing threads (bench/threadcost): calls against 8 + 2 × new
//     findings, CPU and bytes read against 2 × those at 0 threads.
//   - drain: N = 1, 2, 4, 8, 16 reviews in flight in 1 and 3 processes
//     on one identity with the identity-wide budget (bench/budget):
//     throughput against the simulator's budget (3 × 16: ≥ 0.90 of it), the
//     most units in one window against the limit, 429s.
//   - ingest: ingest's throughput against a minimal publish server at 1,
//     16 and 64 clients (bench/ingestload -mode rate), against 0.90.
//   - rss: a worker process's peak RSS reviewing the 1,000-file,
//     100,000-line pull request whole, against 128 MiB and against `git
//     diff` of the same change (bench/delivery fullreview). The worker is
//     built as the Dockerfile builds it, into a temporary directory,
//     unless -worker names a binary.
//
// Everything runs on loopback; progress goes to standard error.
//
//	go run ./bench/cost                      # every group, a few minutes
//	go run ./bench/cost -quick               # smaller repeat counts: a smoke run
//	go run ./bench/cost -only full,history   # some groups
//	go run ./bench/cost -only rss -worker /tmp/worker
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/azreviewer/azreviewer/bench/budget/drain"
	"github.com/azreviewer/azreviewer/bench/ingestload/throughput"
)

// config is one run.
type config struct {
	only []string // groups to run; empty: all
	// history
	threads []int
	repeat  int
	// drain and ingest: their packages' configurations (Progress and
	// Modes, Root set by the group).
	drain  drain.Config
	ingest throughput.Config
	// rss
	workerBin          string
	rssFiles, rssLines int
}

// defaults is the default run, quick the smoke run's.
func defaults(quick bool) config {
	c := config{
		threads: []int{0, 1000, 3000}, repeat: 5,
		drain: drain.Config{Reviews: 150, Limit: 600, Window: 4 * time.Second, Latency: 5 * time.Millisecond,
			InFlight: []int{1, 2, 4, 8, 16}, Processes: []int{1, 3}, Timeout: 2 * time.Minute},
		ingest:   throughput.Config{Clients: []int{1, 16, 64}, Duration: 500 * time.Millisecond, Warmup: time.Second, Rounds: 11},
		rssFiles: 1000, rssLines: 100,
	}
	if quick {
		c.repeat = 1
		c.drain.Reviews, c.drain.Limit, c.drain.Window = 20, 50, 500*time.Millisecond
		c.ingest.Duration, c.ingest.Warmup, c.ingest.Rounds = 100*time.Millisecond, 50*time.Millisecond, 2
	}
	return c
}

func main() {
	os.Exit(cmdMain(os.Args[1:], os.Stdout, os.Stderr))
}

// cmdMain parses args, runs and prints; it returns the exit code.
func cmdMain(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "cost:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "cost:", err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	quick := slices.ContainsFunc(args, func(a string) bool { return a == "-quick" || a == "--quick" || a == "-quick=true" })
	cfg := defaults(quick)
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("quick", false, "smaller repeat counts and shorter measurements: a smoke run (its defaults apply before the other flags)")
	only := fs.String("only", "", "comma-separated groups to run: "+strings.Join(groupNames(), ", ")+" (default all)")
	threads := fs.String("threads", joinInts(cfg.threads), "history: numbers of existing threads; the fewest is the baseline")
	fs.IntVar(&cfg.repeat, "repeat", cfg.repeat, "history: incremental reviews measured per number of threads")
	fs.IntVar(&cfg.drain.Reviews, "reviews", cfg.drain.Reviews, "drain: one-file pull requests drained per row")
	fs.Float64Var(&cfg.drain.Limit, "limit", cfg.drain.Limit, "drain: the simulator's and the identity budget's units per window")
	fs.DurationVar(&cfg.drain.Window, "window", cfg.drain.Window, "drain: the simulator's sliding window")
	fs.DurationVar(&cfg.drain.Latency, "latency", cfg.drain.Latency, "drain: the simulator's latency per request")
	inflight := fs.String("inflight", joinInts(cfg.drain.InFlight), "drain: reviews in flight per process")
	processes := fs.String("processes", joinInts(cfg.drain.Processes), "drain: worker processes on the identity")
	clients := fs.String("clients", joinInts(cfg.ingest.Clients), "ingest: concurrent clients per level (each 1 to 256)")
	fs.IntVar(&cfg.ingest.Rounds, "rounds", cfg.ingest.Rounds, "ingest: rounds per level (1 to 100)")
	fs.DurationVar(&cfg.ingest.Duration, "duration", cfg.ingest.Duration, "ingest: measurement per server, level and round (at most 1 minute)")
	fs.DurationVar(&cfg.ingest.Warmup, "warmup", cfg.ingest.Warmup, "ingest: uncounted load of each server before a level's rounds")
	fs.StringVar(&cfg.workerBin, "worker", "", "rss: the worker binary (default: ./cmd/worker built as the Dockerfile builds it, into a temporary directory)")
	fs.IntVar(&cfg.rssFiles, "rss-files", cfg.rssFiles, "rss: changed files of the pull request (1 to 5000)")
	fs.IntVar(&cfg.rssLines, "rss-lines", cfg.rssLines, "rss: lines of each file, all edited (1 to 1000)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if cfg.threads, err = counts(*threads, 0); err != nil {
		return cfg, fmt.Errorf("-threads: %w", err)
	}
	if cfg.drain.InFlight, err = counts(*inflight, 1); err != nil {
		return cfg, fmt.Errorf("-inflight: %w", err)
	}
	if cfg.drain.Processes, err = counts(*processes, 1); err != nil {
		return cfg, fmt.Errorf("-processes: %w", err)
	}
	if cfg.ingest.Clients, err = counts(*clients, 1); err != nil || slices.Max(cfg.ingest.Clients) > 256 {
		return cfg, fmt.Errorf("-clients: each must be 1 to 256 (%w)", err)
	}
	switch {
	case cfg.repeat < 1:
		return cfg, errors.New("-repeat must be at least 1")
	case cfg.drain.Reviews < 1 || cfg.drain.Limit <= 0 || cfg.drain.Window <= 0:
		return cfg, errors.New("-reviews, -limit and -window must be positive")
	case cfg.ingest.Rounds < 1 || cfg.ingest.Rounds > 100 || cfg.ingest.Duration <= 0 || cfg.ingest.Duration > time.Minute || cfg.ingest.Warmup > time.Minute:
		return cfg, errors.New("-rounds must be 1 to 100, -duration positive and -duration and -warmup at most 1 minute")
	case cfg.rssFiles < 1 || cfg.rssFiles > 5000 || cfg.rssLines < 1 || cfg.rssLines > 1000:
		return cfg, errors.New("-rss-files must be 1 to 5000 and -rss-lines 1 to 1000")
	}
	if *only != "" {
		for g := range strings.SplitSeq(*only, ",") {
			g = strings.TrimSpace(g)
			if !slices.Contains(groupNames(), g) {
				return cfg, fmt.Errorf("-only: no group %q (groups: %s)", g, strings.Join(groupNames(), ", "))
			}
			cfg.only = append(cfg.only, g)
		}
	}
	return cfg, nil
}

func groupNames() []string {
	var out []string
	for _, g := range groups() {
		out = append(out, g.name)
	}
	return out
}

// counts parses comma-separated counts of at least least.
func counts(s string, least int) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		var n int
		if _, err := fmt.Sscanf(strings.TrimSpace(f), "%d", &n); err != nil || n < least {
			return nil, fmt.Errorf("%q is not a count of at least %d", f, least)
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}

// run measures the groups cfg names and prints the table, then the detail
// tables, then how long each group took.
func run(ctx context.Context, cfg config, stdout, progress io.Writer) error {
	start := time.Now()
	var rows []row
	var details []func(io.Writer)
	var took []string
	for _, g := range groups() {
		if len(cfg.only) > 0 && !slices.Contains(cfg.only, g.name) {
			continue
		}
		fmt.Fprintf(progress, "== %s: %s\n", g.name, g.about)
		t := time.Now()
		got, detail, err := g.measure(ctx, cfg, progress)
		if err != nil {
			return fmt.Errorf("%s: %w", g.name, err)
		}
		d := time.Since(t).Round(100 * time.Millisecond)
		fmt.Fprintf(progress, "== %s: %d rows in %s\n", g.name, len(got), d)
		rows, details = append(rows, got...), append(details, detail)
		took = append(took, fmt.Sprintf("%s %s", g.name, d))
	}
	fmt.Fprintln(stdout, "azreviewer: what a review costs (against its cost bounds); ratio: measured ÷ bound or baseline; –: no bound, for comparison")
	fmt.Fprintln(stdout)
	if err := printTable(stdout, rows); err != nil {
		return err
	}
	for _, d := range details {
		fmt.Fprintln(stdout)
		d(stdout)
	}
	fmt.Fprintf(stdout, "\ntook %s (%s)\n", time.Since(start).Round(100*time.Millisecond), strings.Join(took, ", "))
	return nil
}
