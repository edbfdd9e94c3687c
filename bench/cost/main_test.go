package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestQuickRunHasEveryRow runs -quick of every group but rss (which
// builds a worker binary), on loopback, with the drain cut to 1 and 16 in
// flight in 3 processes and ingest's measurements long enough for a
// loaded machine (or the race detector) to answer, and checks that the table has each row of those
// groups exactly once, each with a number and a verdict. It asserts
// nothing about the figures.
func TestQuickRunHasEveryRow(t *testing.T) {
	cfg, err := parseFlags([]string{"-quick", "-only", "full,superseded,history,drain,ingest", "-inflight", "1,16", "-processes", "3", "-duration", "300ms", "-warmup", "100ms"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, cfg, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())

	var want []string
	for _, files := range []int{1, 10, 100, 1000} {
		for _, findings := range []string{"0 findings", "1 finding"} {
			for _, warm := range []string{"cold", "warm"} {
				want = append(want, fmt.Sprintf("full review calls, F=%d, %s, %s", files, findings, warm))
			}
		}
	}
	want = append(want, "superseded push event's calls (consume path)")
	for _, n := range []string{"0", "1000", "3000"} {
		want = append(want, "incremental review calls, "+n+" threads", "incremental review calls, "+n+" threads, a new worker",
			"incremental review CPU, "+n+" threads", "incremental review KiB read, "+n+" threads",
			"incremental review CPU, "+n+" threads, once a THREAD_LIST_PERIOD")
	}
	for _, n := range []string{"1", "16"} {
		name := "drain 3 process(es) × " + n + " in flight: "
		want = append(want, name+"units/s", name+"most units in one window", name+"429s steady")
	}
	for _, n := range []string{"1", "16", "64"} {
		want = append(want, "ingest throughput, "+n+" client(s)")
	}

	rows := tableRows(t, out.String())
	if len(rows) != len(want) {
		t.Errorf("%d rows, want %d", len(rows), len(want))
	}
	for _, w := range want {
		var found []tableRow
		for _, r := range rows {
			// A row's name is w, or w and what follows in parentheses.
			if r.what == w || strings.HasPrefix(r.what, w+" (") {
				found = append(found, r)
			}
		}
		if len(found) != 1 {
			t.Errorf("%d rows %q, want 1", len(found), w)
			continue
		}
		r := found[0]
		if _, err := strconv.ParseFloat(strings.Fields(r.measured + " x")[0], 64); err != nil {
			t.Errorf("%q measured %q: not a number", w, r.measured)
		}
		if r.verdict != verdictOK && r.verdict != verdictOver && r.verdict != verdictNone {
			t.Errorf("%q: verdict %q", w, r.verdict)
		}
	}
}

// tableRow is a row of the printed table.
type tableRow struct{ group, what, measured, against, ratio, verdict string }

// tableRows parses the table: the lines of six "|"-separated cells up to
// the first empty line after it, headings and the separator left out.
func tableRows(t *testing.T, out string) []tableRow {
	t.Helper()
	var rows []tableRow
	inTable := false
	for line := range strings.SplitSeq(out, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 6 {
			if inTable {
				break
			}
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if !inTable || cells[0] == "" {
			inTable = true // the headings, then the separator
			continue
		}
		rows = append(rows, tableRow{cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]})
	}
	if len(rows) == 0 {
		t.Fatalf("no table in:\n%s", out)
	}
	return rows
}
