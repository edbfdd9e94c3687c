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
//
// -fleet runs the fleet scenario instead (every other flag still applies,
// with the scenario's defaults): a 3-node cluster of nats-server processes
// on loopback, each with its own store, every stream and bucket R3; 2
// ingest handlers sharing the deliveries; 3 worker processes at the
// product's ACK_WAIT and LEASE_TTL; 600 webhooks for 100 pull requests at
// 20 a second, every Azure DevOps call taking 30 ms. At a fifth of the script the review stream's leader server is
// SIGKILLed and restarted 5 s later; at 55 % a worker process in the middle
// of a review is SIGKILLed and replaced. Deliveries answered 503 are sent
// again a second later, as Azure DevOps retries. It prints sent / accepted
// / 503 / reviewed / duplicate / lost and the recovery after the worker
// kill: the time until every message of the pull requests the killed worker
// held a lease on (that was in the stream at the kill) was acknowledged by
// another worker.
//
//	go run ./bench/delivery -fleet [-v] [-ack-wait 60s -lease-ttl 45s]
//
// -heartbeat N measures instead what keeping N reviews in flight costs
// JetStream in messages per second (see heartbeat.go):
//
//	go run ./bench/delivery -heartbeat 100 [-ack-wait 60s -lease-ttl 45s]
//
// "fullreview" measures instead the Azure DevOps calls and the peak memory
// of full reviews of 1 to 1,000 changed files (see fullreview.go):
//
//	go run ./bench/delivery fullreview [-files 1,10,100,1000] [-worker BIN]
//
// "superseded" measures instead the Azure DevOps calls of push events one
// review already covered, a burst of pushes queued before the worker takes
// the first (see superseded.go):
//
//	go run ./bench/delivery superseded [-pushes 10]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/azreviewer/azreviewer/internal/streams"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "fullreview" {
		os.Exit(fullReviewMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "superseded" {
		os.Exit(supersededMain(os.Args[2:]))
	}
	cfg := defaultConfig()
	// The scenario's defaults apply before the flags that override them.
	if slices.ContainsFunc(os.Args[1:], func(a string) bool { return a == "-fleet" || a == "--fleet" || a == "-fleet=true" }) {
		cfg = fleetConfig()
	}
	flag.Bool("fleet", false, "run the fleet scenario: a 3-node cluster, 2 ingest, 3 worker processes, the stream leader and a worker killed (see the package comment)")
	flag.IntVar(&cfg.PRs, "prs", cfg.PRs, "pull requests")
	flag.IntVar(&cfg.Webhooks, "webhooks", cfg.Webhooks, "webhook deliveries to send (at least 2 per pull request)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the script")
	flag.IntVar(&cfg.Workers, "workers", cfg.Workers, "in-process workers (app.RunWorker)")
	flag.IntVar(&cfg.Processes, "processes", cfg.Processes, "worker processes; the first is SIGKILLed mid-run and replaced (0: none)")
	flag.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "reviews each worker runs at once")
	flag.Float64Var(&cfg.Rate, "rate", cfg.Rate, "webhook deliveries per second")
	flag.BoolVar(&cfg.Faults, "faults", cfg.Faults, "inject 429, 5xx and latency")
	flag.DurationVar(&cfg.Latency, "latency", cfg.Latency, "latency of every Azure DevOps call")
	flag.BoolVar(&cfg.ShortBackoff, "short-backoff", cfg.ShortBackoff, "in-process workers redeliver failures after 100 ms, not app.RunWorker's 5 s")
	flag.DurationVar(&cfg.AckWait, "ack-wait", cfg.AckWait, "ACK_WAIT of the review stream and the workers")
	flag.DurationVar(&cfg.LeaseTTL, "lease-ttl", cfg.LeaseTTL, "LEASE_TTL of the workers (0: the product's default, ACK_WAIT)")
	flag.IntVar(&cfg.Cluster, "cluster", cfg.Cluster, "nats-server processes in a JetStream cluster, streams and buckets replicated on each (0: one embedded server)")
	flag.IntVar(&cfg.Ingests, "ingests", cfg.Ingests, "ingest handlers sharing the deliveries, round robin")
	flag.Float64Var(&cfg.KillAt, "kill-at", cfg.KillAt, "fraction of the script after which the first worker process is SIGKILLed")
	flag.Float64Var(&cfg.KillLeaderAt, "kill-leader-at", cfg.KillLeaderAt, "fraction of the script after which the review stream's leader server is SIGKILLed (a cluster only; negative: never)")
	flag.DurationVar(&cfg.LeaderDown, "leader-down", cfg.LeaderDown, "how long the killed leader stays down before it is restarted")
	flag.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "longest wait for every pull request's newest iteration to be reviewed")
	heartbeat := flag.Int("heartbeat", 0, "instead of a delivery run: the messages per second that keep this many reviews in flight alive (see heartbeat.go), at -ack-wait and -lease-ttl")
	window := flag.Duration("heartbeat-window", 30*time.Second, "how long -heartbeat counts, idle and busy")
	flag.BoolVar(&cfg.Keep, "keep", false, "keep the work directory (JetStream store, worker logs) and print its path")
	flag.BoolVar(&cfg.Verbose, "v", false, "print progress")
	flag.Parse()
	if cfg.Verbose {
		cfg.Progress = os.Stderr
	}
	if *heartbeat > 0 {
		ackWait := cfg.AckWait
		if !slices.ContainsFunc(os.Args[1:], func(a string) bool { return strings.HasPrefix(strings.TrimLeft(a, "-"), "ack-wait") }) {
			ackWait = streams.DefaultAckWait // the product's, not the delivery run's 2 s
		}
		os.Exit(runHeartbeatMain(heartbeatConfig{Reviews: *heartbeat, Processes: 4, Window: *window, AckWait: ackWait, LeaseTTL: cfg.LeaseTTL, Keep: cfg.Keep}))
	}
	os.Exit(runMain(cfg))
}

// runHeartbeatMain runs -heartbeat; its exit code is 1 when it failed.
func runHeartbeatMain(cfg heartbeatConfig) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runHeartbeat(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "delivery -heartbeat:", err)
		return 1
	}
	return 0
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
