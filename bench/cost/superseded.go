package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
	"github.com/azreviewer/azreviewer/internal/worker/workertest"
)

// handledMessage is one message the worker handled, with the Azure DevOps
// calls made while it did.
type handledMessage struct {
	seq    uint64 // stream sequence
	report worker.Report
	err    error
	calls  []string // operations
}

// measureSuperseded measures what a superseded push event costs through
// the consume path: a pull request pushed twice after its creation
// (iterations 2 and 3), the updated events of both pushes delivered to
// ingest (served over HTTP on loopback, as the ingest process wires it)
// into a real embedded JetStream stream, then consumed by one worker wired
// as cmd/worker wires it (app.NewWorkerLoop through apptest.StartWorker),
// one message at a time. Handling the first push's event the worker
// reviews the newest iteration, 3; the second push's event, stored before
// that review began, asks for what is reviewed. The figure is the calls
// made while the worker handled that second message.
func measureSuperseded(ctx context.Context, _ config, progress io.Writer) ([]row, func(io.Writer), error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	rig, err := workertest.StartRig(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer rig.Close()
	sim, nats := rig.Sim, rig.NATS

	tree := map[string]string{"/src/app.js": "export const a = 1;\nconsole.log(a);\n"}
	pr := sim.NewPullRequest(map[string]string{"/src/app.js": "export const a = 1;\n"}, tree)
	var bodies [][]byte
	for i := range 2 {
		tree[fmt.Sprintf("/src/push%d.js", i)] = fmt.Sprintf("debugger; // push %d\n", i)
		pr.Push(sim.Repo.Commit(tree))
		bodies = append(bodies, pr.Event(azdosim.EventPullRequestUpdated))
	}
	const token = "bench-cost-webhook-token"
	in, err := apptest.StartIngest(nats.JS, token, nil)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = in.Stop() }()
	var seqs []uint64
	for i, body := range bodies {
		d, err := in.Deliver(ctx, body)
		if err != nil || !d.Accepted() || d.Duplicate {
			return nil, nil, fmt.Errorf("deliver push %d's event: %w (%+v)", i+1, err, d)
		}
		seqs = append(seqs, d.Sequence)
	}
	fmt.Fprintf(progress, "superseded: two push events in the stream (sequences %v); a worker consumes\n", seqs)

	var mu sync.Mutex
	var handled []handledMessage
	done := make(chan struct{}, 4)
	w, err := apptest.StartWorker(ctx, apptest.WorkerOptions{
		JS: nats.JS, Stream: streams.Config{Memory: true}, OrgURL: sim.Org.URL(), PAT: sim.PAT, Concurrency: 1,
		Wrap: func(next events.Handler) events.Handler {
			return func(ctx context.Context, msg jetstream.Msg) error {
				before := len(sim.Server.Requests())
				err := next(ctx, msg)
				m := handledMessage{err: err}
				for _, r := range sim.Server.Requests()[before:] {
					m.calls = append(m.calls, r.Operation)
				}
				if md, mdErr := msg.Metadata(); mdErr == nil {
					m.seq = md.Sequence.Stream
				}
				mu.Lock()
				handled = append(handled, m)
				mu.Unlock()
				done <- struct{}{}
				return err
			}
		},
	})
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = w.Stop() }()
	for range 2 {
		select {
		case <-done:
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("the worker handled fewer than 2 messages: %w", ctx.Err())
		}
	}
	if err := w.Stop(); err != nil {
		return nil, nil, err
	}
	// The reports, by the order the worker handled the messages in.
	reports := w.Handled()
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != len(handled) {
		return nil, nil, fmt.Errorf("%d messages handled, %d reports", len(handled), len(reports))
	}
	for i := range handled {
		handled[i].report = reports[i].Report
	}
	first, second := lastHandled(handled, seqs[0]), lastHandled(handled, seqs[1])
	switch {
	case first == nil || second == nil:
		return nil, nil, fmt.Errorf("the worker did not handle both messages (sequences %v)", seqs)
	case first.err != nil || second.err != nil:
		return nil, nil, fmt.Errorf("handling failed: %w", errors.Join(first.err, second.err))
	case first.report.Outcome != worker.OutcomeReviewed || first.report.Iteration != 3:
		return nil, nil, fmt.Errorf("the first push's event did not review the newest iteration: %s %s, iteration %d", first.report.Outcome, first.report.Reason, first.report.Iteration)
	case second.report.Outcome == worker.OutcomeReviewed:
		return nil, nil, fmt.Errorf("the second push's event was reviewed again (iteration %d)", second.report.Iteration)
	}
	rows := []row{atMost(groupSuperseded, "superseded push event's calls (consume path)", float64(len(second.calls)), "", 0, "0")}
	rows[0].ratio = math.NaN()
	detail := func(w io.Writer) {
		fmt.Fprintln(w, "A superseded push event, through ingest, a JetStream stream and the consume loop (one message at a time):")
		for i, m := range []*handledMessage{first, second} {
			fmt.Fprintf(w, "  push %d's event (stream sequence %d): %s%s, iteration %d; %d Azure DevOps calls %v\n",
				i+1, m.seq, m.report.Outcome, reason(m.report), m.report.Iteration, len(m.calls), strings.Join(m.calls, " "))
		}
	}
	return rows, detail, nil
}

// lastHandled is the last handling of the message at stream sequence seq.
func lastHandled(handled []handledMessage, seq uint64) *handledMessage {
	for j := len(handled) - 1; j >= 0; j-- {
		if handled[j].seq == seq {
			return &handled[j]
		}
	}
	return nil
}

func reason(r worker.Report) string {
	if r.Reason == "" {
		return ""
	}
	return " (" + r.Reason + ")"
}
