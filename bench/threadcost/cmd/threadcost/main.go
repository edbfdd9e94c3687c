// Command threadcost prints what a one-file incremental review costs at 0,
// 1,000 and 3,000 existing threads, with and without the review state's
// thread index, and what the first review of a new pull request costs (see
// package threadcost).
//
//	go run ./bench/threadcost/cmd/threadcost [-threads 0,1000,3000] [-repeat 5]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/azreviewer/azreviewer/bench/threadcost"
)

func main() {
	threads := flag.String("threads", "0,1000,3000", "numbers of existing threads, comma-separated")
	repeat := flag.Int("repeat", 5, "incremental reviews measured per row")
	quiet := flag.Bool("quiet", false, "no progress lines")
	flag.Parse()
	cfg := threadcost.Config{Repeat: *repeat, Progress: os.Stderr}
	if *quiet {
		cfg.Progress = nil
	}
	for _, s := range strings.Split(*threads, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "threadcost: -threads: %q is not a count\n", s)
			os.Exit(2)
		}
		cfg.Threads = append(cfg.Threads, n)
	}
	rows, err := threadcost.Measure(context.Background(), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "threadcost:", err)
		os.Exit(1)
	}
	if err := threadcost.Print(os.Stdout, rows); err != nil {
		fmt.Fprintln(os.Stderr, "threadcost:", err)
		os.Exit(1)
	}
	n, err := threadcost.MeasureNew(context.Background())
	if err == nil {
		err = threadcost.PrintNew(os.Stdout, n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "threadcost:", err)
		os.Exit(1)
	}
}
