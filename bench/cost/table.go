package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Verdicts of a row.
const (
	verdictOK   = "ok"
	verdictOver = "OVER"
	verdictNone = "–" // no bound is set on this figure: it is shown for comparison
)

// row is one line of the table: one of the cost figures.
type row struct {
	// group is the group that measured it (-only).
	group string
	what  string
	// measured is the figure, in unit.
	measured float64
	unit     string
	// against is the bound or the baseline it is compared with, as
	// printed.
	against string
	// ratio is measured over the baseline or bound (NaN: none).
	ratio   float64
	verdict string
}

// verdict is ok or OVER.
func verdict(ok bool) string {
	if ok {
		return verdictOK
	}
	return verdictOver
}

// atMost is a row whose figure must not exceed bound.
func atMost(group, what string, measured float64, unit string, bound float64, against string) row {
	return row{group: group, what: what, measured: measured, unit: unit, against: against, ratio: ratioOf(measured, bound), verdict: verdict(measured <= bound)}
}

func ratioOf(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

// format prints a figure with as many decimals as it needs.
func format(v float64, unit string) string {
	var s string
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		s = fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		s = fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	if unit != "" {
		s += " " + unit
	}
	return s
}

// printTable writes rows as one table: what | measured | against | ratio |
// verdict, columns separated by "|".
func printTable(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	fmt.Fprintln(tw, "group\t what\t measured\t bound / baseline\t ratio\t ok/OVER")
	fmt.Fprintln(tw, "\t\t\t\t\t")
	for _, r := range rows {
		ratio := "–"
		switch {
		case math.IsNaN(r.ratio):
		case r.ratio < 10:
			ratio = fmt.Sprintf("%.3f", r.ratio)
		default:
			ratio = fmt.Sprintf("%.1f", r.ratio)
		}
		fmt.Fprintf(tw, "%s\t %s\t %s\t %s\t %s\t %s\n", r.group, r.what, format(r.measured, r.unit), strings.TrimSpace(r.against), ratio, r.verdict)
	}
	return tw.Flush()
}
