// Command threadcost prints what a one-file incremental review costs at 0,
// 1,000 and 3,000 existing threads, with and without the review state's
// thread index, and what the first review of a new pull request costs (see
// package threadcost).
//
//	go run ./bench/threadcost/cmd/threadcost [-threads 0,1000,3000] [-repeat 5] [-modes index,period,list]
//	    [-cpuprofile PREFIX [-cpuprofilehz N]] [-memprofile PREFIX]
//
// -cpuprofile writes a CPU profile of each row's timed reviews to
// PREFIX-<threads>-<mode>.pprof; -memprofile writes the allocation profile
// before and after them to PREFIX-<threads>-<mode>.before.pprof and
// PREFIX-<threads>-<mode>.pprof, to compare with go tool pprof -diff_base.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"

	"github.com/azreviewer/azreviewer/bench/threadcost"
)

func main() {
	threads := flag.String("threads", "0,1000,3000", "numbers of existing threads, comma-separated")
	repeat := flag.Int("repeat", 5, "incremental reviews measured per row")
	modes := flag.String("modes", "index,period,list", "modes measured, comma-separated")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of each row's timed reviews to `PREFIX`-<threads>-<mode>.pprof")
	cpuHz := flag.Int("cpuprofilehz", 0, "CPU profile samples per second (0: the runtime's 100; a higher rate makes the runtime warn that it cannot set the rate, and uses it)")
	memprofile := flag.String("memprofile", "", "write allocation profiles before and after each row's timed reviews to `PREFIX`-<threads>-<mode>[.before].pprof")
	quiet := flag.Bool("quiet", false, "no progress lines")
	flag.Parse()
	cfg := threadcost.Config{Repeat: *repeat, Progress: os.Stderr, Modes: strings.Split(*modes, ",")}
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
	var profErr error
	if *cpuprofile != "" || *memprofile != "" {
		cfg.Profile = func(n int, mode string) func() {
			var stops []func() error
			if *memprofile != "" {
				profErr = errors.Join(profErr, writeAllocs(fmt.Sprintf("%s-%d-%s.before.pprof", *memprofile, n, mode)))
				stops = append(stops, func() error { return writeAllocs(fmt.Sprintf("%s-%d-%s.pprof", *memprofile, n, mode)) })
			}
			if *cpuprofile != "" {
				stop, err := startCPU(fmt.Sprintf("%s-%d-%s.pprof", *cpuprofile, n, mode), *cpuHz)
				profErr = errors.Join(profErr, err)
				stops = append(stops, stop)
			}
			return func() {
				for i := len(stops) - 1; i >= 0; i-- {
					profErr = errors.Join(profErr, stops[i]())
				}
			}
		}
	}
	rows, err := threadcost.Measure(context.Background(), cfg)
	if err == nil {
		err = profErr
	}
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

// startCPU starts a CPU profile into path; stop ends it.
func startCPU(path string, hz int) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return func() error { return nil }, err
	}
	if hz > 0 {
		runtime.SetCPUProfileRate(hz)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() error { return nil }, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// writeAllocs writes the allocation profile so far to path.
func writeAllocs(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
