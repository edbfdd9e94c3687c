package throughput

import (
	"fmt"
	"io"
	"slices"
)

// Level is what the rounds at one concurrency level measured: the median
// rate of each server, the median and range of the ratios of the two
// measurements of each round (ingest ÷ minimal), and the process's CPU per
// request with each.
type Level struct {
	Clients                   int
	Ingest, Minimal           float64 // requests per second
	Ratio, MinRatio, MaxRatio float64
	CPUIngest, CPUMinimal     float64 // µs per request
	Other                     int64   // answers other than 202
	Rounds                    int     // rounds with both measurements
}

// Levels summarises cells per level of cfg.Clients, in that order; a level
// without a round in which both servers answered is left out.
func Levels(cfg Config, cells []Cell) []Level {
	var out []Level
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
			if r[ServerIngest] > 0 && r[ServerMinimal] > 0 {
				ratios = append(ratios, r[ServerIngest]/r[ServerMinimal])
			}
		}
		if len(ratios) == 0 {
			continue
		}
		out = append(out, Level{
			Clients: clients, Ingest: median(rate[ServerIngest]), Minimal: median(rate[ServerMinimal]),
			Ratio: median(ratios), MinRatio: slices.Min(ratios), MaxRatio: slices.Max(ratios),
			CPUIngest: median(cpu[ServerIngest]), CPUMinimal: median(cpu[ServerMinimal]), Other: other, Rounds: len(ratios),
		})
	}
	return out
}

// Print writes, for each level, the median rate of each server, the
// median and range of the ratios of the two measurements of each round,
// and the process's CPU per request with each.
func Print(w io.Writer, cfg Config, cells []Cell) {
	fmt.Fprintf(w, "ingest against a minimal publish server: %d round(s) of %s per server and level, medians\n", cfg.Rounds, cfg.Duration)
	fmt.Fprintf(w, "%7s  %12s  %13s  %6s  %11s  %17s  %18s  %s\n", "clients", "ingest req/s", "minimal req/s", "ratio", "ratio range", "CPU µs/req ingest", "CPU µs/req minimal", "non-202")
	for _, l := range Levels(cfg, cells) {
		fmt.Fprintf(w, "%7d  %12.0f  %13.0f  %6.2f  %11s  %17.1f  %18.1f  %d\n", l.Clients,
			l.Ingest, l.Minimal, l.Ratio, fmt.Sprintf("%.2f–%.2f", l.MinRatio, l.MaxRatio), l.CPUIngest, l.CPUMinimal, l.Other)
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
