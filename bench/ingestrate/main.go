// Command ingestrate measures ingest's webhook throughput against a minimal
// publish server, in one process and one run: one embedded JetStream
// server (file store), ingest wired as the ingest command wires it
// (app.ListenIngest: authentication, limits, otelhttp, metrics, logs at
// info, events.Publisher, the production http.Server) and a minimal server
// that reads the body, decodes it once, publishes the same review request
// to the same stream and answers 202. Clients post Microsoft's sample
// pull-request and comment payloads (internal/servicehooks/testdata), each
// with its own event and pull-request id, over keep-alive connections on
// 127.0.0.1; each client waits for its answer before the next delivery.
//
//	go run ./bench/ingestrate                     # 1, 16 and 64 clients, 21 rounds of 0.5 s
//	go run ./bench/ingestrate -clients 1,4 -duration 2s -rounds 5
//	go run ./bench/ingestrate -cpuprofile /tmp/cpu.pprof -memprofile /tmp/allocs.pprof
//
// For each level it runs rounds of one measurement of each server, in
// alternating order, the stream purged before each, and prints the median
// requests per second of each server, the median and range of the
// per-round ratios (the two measurements of a round are seconds apart, so
// a shared machine's drift falls on both), and the process's CPU time per
// request with each (clients and JetStream included, the same for both):
// less sensitive to other load on the machine than the rates. Nothing is
// asserted: the table is the result.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	cfg := Config{Progress: os.Stderr}
	clients := flag.String("clients", "1,16,64", "comma-separated concurrent clients (each 1 to 256)")
	flag.DurationVar(&cfg.Duration, "duration", 500*time.Millisecond, "measurement per server, level and round (at most 1 minute)")
	flag.DurationVar(&cfg.Warmup, "warmup", time.Second, "uncounted load of each server before the rounds of a level")
	flag.IntVar(&cfg.Rounds, "rounds", 21, "rounds (1 to 100)")
	flag.StringVar(&cfg.Root, "root", ".", "the module's root (where internal/servicehooks/testdata is)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the whole run to this file")
	flag.Parse()
	var err error
	if cfg.Clients, err = parseClients(*clients); err != nil || cfg.Rounds < 1 || cfg.Rounds > 100 || cfg.Duration <= 0 || cfg.Duration > time.Minute || cfg.Warmup > time.Minute {
		fmt.Fprintln(os.Stderr, "usage: ingestrate [-clients 1,16,64] [-duration 500ms] [-warmup 1s] [-rounds 21] [-cpuprofile FILE] [-memprofile FILE]", err)
		os.Exit(2)
	}
	if err := profiled(*cpuProfile, func() error {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Minute)
		defer cancel()
		cells, err := run(ctx, cfg)
		printTable(os.Stdout, cfg, cells)
		return errors.Join(err, writeHeapProfile(*memProfile))
	}); err != nil {
		fmt.Fprintln(os.Stderr, "ingestrate:", err)
		os.Exit(1)
	}
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

// printTable writes, for each level, the median rate of each server, the
// median and range of the ratios of the two measurements of each round,
// and the process's CPU per request with each.
func printTable(w io.Writer, cfg Config, cells []Cell) {
	fmt.Fprintf(w, "ingest against a minimal publish server: %d round(s) of %s per server and level, medians\n", cfg.Rounds, cfg.Duration)
	fmt.Fprintf(w, "%7s  %12s  %13s  %6s  %11s  %17s  %18s  %s\n", "clients", "ingest req/s", "minimal req/s", "ratio", "ratio range", "CPU µs/req ingest", "CPU µs/req minimal", "non-202")
	for _, clients := range cfg.Clients {
		rate := map[string][]float64{}
		cpu := map[string][]float64{}
		byRound := map[int]map[string]float64{}
		var other int64
		for _, c := range cells {
			if c.Clients != clients {
				continue
			}
			other += c.Other
			if c.OK == 0 {
				continue // stalled
			}
			rate[c.Server] = append(rate[c.Server], c.Rate())
			cpu[c.Server] = append(cpu[c.Server], c.CPUPerRequest())
			if byRound[c.Round] == nil {
				byRound[c.Round] = map[string]float64{}
			}
			byRound[c.Round][c.Server] = c.Rate()
		}
		var ratios []float64
		for _, r := range byRound {
			if r[serverIngest] > 0 && r[serverMinimal] > 0 {
				ratios = append(ratios, r[serverIngest]/r[serverMinimal])
			}
		}
		if len(ratios) == 0 {
			continue
		}
		fmt.Fprintf(w, "%7d  %12.0f  %13.0f  %6.2f  %11s  %17.1f  %18.1f  %d\n", clients,
			median(rate[serverIngest]), median(rate[serverMinimal]), median(ratios),
			fmt.Sprintf("%.2f–%.2f", slices.Min(ratios), slices.Max(ratios)),
			median(cpu[serverIngest]), median(cpu[serverMinimal]), other)
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
