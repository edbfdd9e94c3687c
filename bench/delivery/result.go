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

	// Webhooks is the script's deliveries, Attempts the requests sent
	// (retries included); ingest's answers: 202 stored, 202 duplicate,
	// anything else (Refused, by status in Answers), none (NoAnswer).
	// GaveUp counts deliveries still failing after every retry.
	Webhooks, Attempts, Accepted, Duplicate, Refused, NoAnswer, GaveUp int
	Answers                                                            map[int]int
	// First503 and Last503 are when ingest first and last answered 503.
	First503, Last503 time.Duration
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
	// reviews it was in the middle of.
	VictimLeases int
	// BacklogAtKill is how many accepted messages were still in the
	// stream at the kill, BacklogSettled when the last of them left it.
	BacklogAtKill  int
	BacklogSettled time.Duration
	// backlogSettled returns BacklogSettled once known (0: not yet).
	backlogSettled func() time.Duration
	// Recovery is the time from the worker's kill until every message, in
	// the stream at the kill, of every pull request whose lease it held was
	// acknowledged by another worker; RecoveryByPR per pull request id.
	Recovery     time.Duration
	RecoveryByPR map[int]time.Duration
	// LeaderKilled is the server that led the review stream when it was
	// SIGKILLed at LeaderKilledAt (empty: none), NewLeader the one elected
	// ElectedAfter the kill; it was restarted at LeaderRestartedAt.
	LeaderKilled, NewLeader                         string
	LeaderKilledAt, ElectedAfter, LeaderRestartedAt time.Duration
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
	broker := "one embedded nats-server"
	if c.Cluster > 0 {
		broker = fmt.Sprintf("%d-node nats-server cluster, R%d", c.Cluster, c.Cluster)
	}
	lease := "ACK_WAIT"
	if c.LeaseTTL > 0 {
		lease = c.LeaseTTL.String()
	}
	fmt.Fprintf(w, "azreviewer delivery run: %d pull requests, %d webhooks at %g/s, seed %d, %s, %d ingest, %s × %d reviews at once, ACK_WAIT %s, LEASE_TTL %s, faults %v\n\n",
		c.PRs, c.Webhooks, c.Rate, c.Seed, broker, max(c.Ingests, 1), workers, c.Concurrency, c.AckWait, lease, c.Faults)
	row("webhooks sent", "%d (%d requests with retries)", r.Webhooks, r.Attempts)
	row("  accepted (stored)", "%d", r.Accepted)
	row("  accepted as duplicate", "%d", r.Duplicate)
	row("  answered 503", "%d%s", r.Answers[503], window503(r))
	row("  not accepted (any status)", "%d (%s), no answer %d", r.Refused, statuses(r.Answers), r.NoAnswer)
	row("  given up after retries", "%d", r.GaveUp)
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
	if r.LeaderKilled != "" {
		row("stream leader SIGKILLed", "%s at %s; %s elected %s later; %s restarted at %s", r.LeaderKilled, r.LeaderKilledAt.Round(time.Millisecond),
			r.NewLeader, r.ElectedAfter.Round(time.Millisecond), r.LeaderKilled, r.LeaderRestartedAt.Round(time.Millisecond))
	}
	if r.KilledAt > 0 {
		row("worker process SIGKILLed", "at %s, after %d reviews, in the middle of %d; replaced", r.KilledAt.Round(time.Millisecond), r.VictimReviews, r.VictimLeases)
		if r.RecoveryByPR != nil {
			row("recovery after the worker kill", "%s (until the messages of the %d pull requests it held were acknowledged by others: %s)",
				r.Recovery.Round(10*time.Millisecond), len(r.RecoveryByPR), recoveries(r.RecoveryByPR))
			if r.BacklogSettled > 0 {
				row("  backlog at the kill settled", "%s (%d messages in the stream)", r.BacklogSettled.Round(10*time.Millisecond), r.BacklogAtKill)
			} else {
				row("  backlog at the kill settled", "NOT by the end (%d messages in the stream at the kill)", r.BacklogAtKill)
			}
		}
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
	fmt.Fprintln(w, "\n"+r.Summary())
	for _, d := range r.LostDetail {
		fmt.Fprintln(w, "lost:", d)
	}
}

// Summary is the one-line result: sent / accepted / 503 / reviewed /
// duplicate / lost and the recovery after the worker kill.
func (r *Result) Summary() string {
	s := fmt.Sprintf("sent %d, accepted %d (+%d duplicate), 503 %d, reviewed %d, duplicate threads %d, lost %d",
		r.Webhooks, r.Accepted, r.Duplicate, r.Answers[503], r.Reviews, r.Duplicates, len(r.Lost))
	if r.RecoveryByPR != nil {
		s += fmt.Sprintf(", recovery after the worker kill %s", r.Recovery.Round(100*time.Millisecond))
	}
	return s
}

func window503(r *Result) string {
	if r.Answers[503] == 0 {
		return ""
	}
	return fmt.Sprintf(" (from %s to %s)", r.First503.Round(time.Millisecond), r.Last503.Round(time.Millisecond))
}

func recoveries(m map[int]time.Duration) string {
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("#%d %s", id, m[id].Round(10*time.Millisecond)))
	}
	return strings.Join(parts, ", ")
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
