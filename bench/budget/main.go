// Command budget measures how worker processes sharing one Azure DevOps
// identity drain review requests against the simulator's TSTU-like budget,
// with the per-process limiter only and with the identity-wide budget, in
// the same run (see package drain). It asserts nothing.
//
//	go run ./bench/budget [-reviews 200] [-limit 600] [-window 4s] [-latency 5ms] [-inflight 1,2,4,8,16] [-processes 1,3]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/azreviewer/azreviewer/bench/budget/drain"
)

func main() {
	cfg := drain.Config{Progress: os.Stderr, Modes: []string{drain.ModeOld, drain.ModeNew}}
	flag.IntVar(&cfg.Reviews, "reviews", 200, "one-file pull requests drained per row")
	flag.Float64Var(&cfg.Limit, "limit", 600, "the simulator's budget per window, in units (a read 1, a write 2), and the identity-wide budget's")
	flag.DurationVar(&cfg.Window, "window", 4*time.Second, "the simulator's sliding window (Azure's: 5m)")
	flag.DurationVar(&cfg.Latency, "latency", 5*time.Millisecond, "the simulator's latency per request")
	flag.Float64Var(&cfg.Slice, "slice", 0, "units one lease grants (0: the budget's default, limit/200)")
	flag.DurationVar(&cfg.SliceTTL, "slice-ttl", 0, "how long a slice may be spent (0: the budget's default, window/40)")
	flag.DurationVar(&cfg.Timeout, "timeout", 5*time.Minute, "bound of one row")
	inflight := flag.String("inflight", "1,2,4,8,16", "reviews in flight per process, comma-separated")
	processes := flag.String("processes", "1,3", "worker processes, comma-separated")
	quiet := flag.Bool("quiet", false, "no progress lines")
	flag.Parse()
	if *quiet {
		cfg.Progress = nil
	}
	var err error
	if cfg.InFlight, err = drain.Counts(*inflight); err == nil {
		cfg.Processes, err = drain.Counts(*processes)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "budget:", err)
		os.Exit(2)
	}
	rows, err := drain.Measure(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "budget:", err)
		os.Exit(1)
	}
	drain.Print(os.Stdout, cfg, rows)
}
