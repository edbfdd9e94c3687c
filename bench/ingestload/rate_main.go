package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/bench/ingestload/throughput"
)

// rateFlags are the flags of -mode rate.
type rateFlags struct {
	cfg                    throughput.Config
	clients                *string
	cpuProfile, memProfile *string
}

// registerRateFlags adds the flags of -mode rate to fs.
func registerRateFlags(fs *flag.FlagSet) *rateFlags {
	f := &rateFlags{cfg: throughput.Config{Progress: os.Stderr}}
	f.clients = fs.String("clients", "1,16,64", "rate: comma-separated concurrent clients (each 1 to 256)")
	fs.DurationVar(&f.cfg.Duration, "duration", 500*time.Millisecond, "rate: measurement per server, level and round (at most 1 minute)")
	fs.DurationVar(&f.cfg.Warmup, "warmup", time.Second, "rate: uncounted load of each server before the rounds of a level")
	fs.IntVar(&f.cfg.Rounds, "rounds", 21, "rate: rounds (1 to 100)")
	fs.StringVar(&f.cfg.Root, "root", ".", "rate: the module's root (where internal/servicehooks/testdata is)")
	f.cpuProfile = fs.String("cpuprofile", "", "rate: write a CPU profile of the whole run to this file")
	f.memProfile = fs.String("memprofile", "", "rate: write an allocation profile of the whole run to this file")
	return f
}

// rateMain runs -mode rate and returns the exit code.
func (f *rateFlags) rateMain() int {
	cfg := f.cfg
	var err error
	if cfg.Clients, err = parseClients(*f.clients); err != nil || cfg.Rounds < 1 || cfg.Rounds > 100 || cfg.Duration <= 0 || cfg.Duration > time.Minute || cfg.Warmup > time.Minute {
		fmt.Fprintln(os.Stderr, "usage: ingestload -mode rate [-clients 1,16,64] [-duration 500ms] [-warmup 1s] [-rounds 21] [-cpuprofile FILE] [-memprofile FILE]", err)
		return 2
	}
	if err := profiled(*f.cpuProfile, func() error {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
		cells, err := throughput.Run(ctx, cfg)
		throughput.Print(os.Stdout, cfg, cells)
		return errors.Join(err, writeHeapProfile(*f.memProfile))
	}); err != nil {
		fmt.Fprintln(os.Stderr, "ingestload:", err)
		return 1
	}
	return 0
}

func parseClients(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 256 {
			return nil, fmt.Errorf("clients %q: each must be 1 to 256", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// profiled runs f, writing a CPU profile to path if it is set.
func profiled(path string, f func() error) error {
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return f()
}

// writeHeapProfile writes the allocations so far to path, if it is set.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	return pprof.Lookup("allocs").WriteTo(out, 0)
}
