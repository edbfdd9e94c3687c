package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
)

// Result is what a run counted.
type Result struct {
	Config config

	// Webhooks sent and ingest's answers: 202 stored, 202 duplicate,
	// anything else.
	Webhooks, Accepted, Duplicate, Refused int
	// Pushes is the number of iterations the pull requests ended with.
	Pushes int
	// Reviews is the number of summaries posted: one per reviewed iteration.
	Reviews int
	// Outcomes counts the workers' log records by message ("review
	// posted", "review skipped", "review failed", …), processes included.
	Outcomes map[string]int
	// FindingThreads counts distinct findings with a thread.
	FindingThreads int
	// Duplicates counts threads repeating a finding or summary.
	Duplicates int
	// Lost lists pull requests whose newest iteration has no summary.
	Lost        []int
	LostDetail  []string
	DeadLetters uint64
	// Calls is every request the simulator answered; Reads the pull
	// request reads (one per review that got past the review state).
	Calls, Reads int
	// Statuses counts the simulator's error answers by status.
	Statuses map[int]int
	// KilledAt is when the worker process was SIGKILLed (0: not killed),
	// VictimReviews how many reviews it had posted by then.
	KilledAt      time.Duration
	VictimReviews int
	// VictimLeases is how many pull-request leases it held when killed:
	// reviews it was in the middle of (-1: unknown).
	VictimLeases int
	// Settled: the stream ended with nothing pending.
	Settled    bool
	ScriptTook time.Duration
	Elapsed    time.Duration
	WorkDir    string
}

// Print writes the table.
func (r *Result) Print(w io.Writer) {
	c := r.Config
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name string, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", name, fmt.Sprintf(format, args...))
	}
	workers := fmt.Sprintf("%d in-process workers", c.Workers)
	if c.Processes > 0 {
		workers += fmt.Sprintf(" + %d worker process(es)", c.Processes)
	}
	fmt.Fprintf(w, "azreviewer delivery run: %d pull requests, %d webhooks, seed %d, %s × %d reviews at once, faults %v\n\n",
		c.PRs, c.Webhooks, c.Seed, workers, c.Concurrency, c.Faults)
	row("webhooks sent", "%d", r.Webhooks)
	row("  accepted (stored)", "%d", r.Accepted)
	row("  accepted as duplicate", "%d", r.Duplicate)
	row("  not accepted", "%d", r.Refused)
	row("iterations pushed", "%d", r.Pushes)
	row("reviews done (statuses)", "%d", r.Reviews)
	row("  worker outcomes", "reviewed %d, skipped %d, failed %d",
		r.Outcomes[apptest.MsgReviewPosted], r.Outcomes[apptest.MsgReviewSkipped], r.Outcomes[apptest.MsgReviewFailed])
	row("threads posted (findings)", "%d", r.FindingThreads)
	row("duplicate threads", "%d%s", r.Duplicates, must0(r.Duplicates))
	lost := ""
	if len(r.Lost) > 0 {
		lost = fmt.Sprintf(" pull requests %v", r.Lost)
	}
	row("lost events", "%d%s%s", len(r.Lost), must0(len(r.Lost)), lost)
	row("dead letters", "%d", r.DeadLetters)
	row("Azure DevOps calls", "%d (pull request reads %d; errors answered: %s)", r.Calls, r.Reads, statuses(r.Statuses))
	if r.Reviews > 0 {
		row("calls per review", "%.1f", float64(r.Calls)/float64(r.Reviews))
	}
	if r.KilledAt > 0 {
		row("worker process SIGKILLed", "at %s, after %d reviews, in the middle of %d; replaced", r.KilledAt.Round(time.Millisecond), r.VictimReviews, r.VictimLeases)
	}
	row("script sent in", "%s", r.ScriptTook.Round(time.Millisecond))
	settled := ""
	if !r.Settled {
		settled = " (stream NOT settled: messages still pending)"
	}
	row("elapsed", "%s%s", r.Elapsed.Round(time.Millisecond), settled)
	if r.WorkDir != "" {
		row("work directory", "%s", r.WorkDir)
	}
	_ = tw.Flush()
	for _, d := range r.LostDetail {
		fmt.Fprintln(w, "lost:", d)
	}
}

func must0(n int) string {
	if n != 0 {
		return "  <-- must be 0"
	}
	return ""
}

func statuses(m map[int]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%d×%d", m[s], s))
	}
	return strings.Join(parts, ", ")
}
