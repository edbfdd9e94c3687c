// Command delivery is a scripted load run of azreviewer's delivery path,
// everything on loopback: an embedded nats-server with file storage, the
// Azure DevOps simulator with many pull requests, ingest over HTTP, workers
// in-process (app.RunWorker) and as processes (the real worker binary, one
// of them SIGKILLed in the middle of the run and replaced), and a script of
// webhook deliveries — created and updated for several pushes per pull
// request, exact duplicates (Azure's retries), the same push from two
// subscriptions, created/updated races, created arriving after updated,
// updates that are not pushes — with 429 (Retry-After), 5xx and latency
// injected along the way.
//
// At the end it prints what Azure DevOps ended up with: reviews done,
// threads posted, duplicate threads, lost events (pull requests whose newest
// iteration was never reviewed), dead letters, Azure DevOps calls in total
// and per review. It exits 1 if any thread is duplicated or any event lost.
//
//	go run ./bench/delivery [-prs 50] [-webhooks 200] [-seed 1]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	cfg := defaultConfig()
	flag.IntVar(&cfg.PRs, "prs", cfg.PRs, "pull requests")
	flag.IntVar(&cfg.Webhooks, "webhooks", cfg.Webhooks, "webhook deliveries to send (at least 2 per pull request)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the script")
	flag.IntVar(&cfg.Workers, "workers", cfg.Workers, "in-process workers (app.RunWorker)")
	flag.IntVar(&cfg.Processes, "processes", cfg.Processes, "worker processes; the first is SIGKILLed mid-run and replaced (0: none)")
	flag.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "reviews each worker runs at once")
	flag.Float64Var(&cfg.Rate, "rate", cfg.Rate, "webhook deliveries per second")
	flag.BoolVar(&cfg.Faults, "faults", cfg.Faults, "inject 429, 5xx and latency")
	flag.BoolVar(&cfg.ShortBackoff, "short-backoff", cfg.ShortBackoff, "in-process workers redeliver failures after 100 ms, not app.RunWorker's 5 s")
	flag.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "longest wait for every pull request's newest iteration to be reviewed")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the work directory (JetStream store, worker logs) and print its path")
	flag.BoolVar(&cfg.Verbose, "v", false, "print progress")
	flag.Parse()
	if cfg.Verbose {
		cfg.Progress = os.Stderr
	}
	os.Exit(runMain(cfg))
}

// runMain runs the benchmark and prints its result; its exit code is 1 when
// the run failed or lost or duplicated anything.
func runMain(cfg config) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg)
	if res != nil {
		res.Print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "delivery:", err)
		return 1
	}
	if res.Duplicates > 0 || len(res.Lost) > 0 {
		fmt.Fprintf(os.Stderr, "delivery: %d duplicate threads, %d lost events\n", res.Duplicates, len(res.Lost))
		return 1
	}
	return 0
}
