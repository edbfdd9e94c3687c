package apptest

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// WorkerOptions configures an in-process worker built by
// app.NewWorkerLoop, the wiring of cmd/worker (coordination, the consume
// chain with its dead letters, heartbeats, the real worker against Azure
// DevOps through the SDK), with the knobs a test needs to run in seconds.
// JS, OrgURL and PAT are required.
type WorkerOptions struct {
	JS jetstream.JetStream
	// Stream is the worker's configuration of the streams: StartWorker
	// provisions the consumer and the buckets with it first, as an
	// operator running "worker provision" with the worker's settings.
	Stream      streams.Config
	OrgURL, PAT string
	// Concurrency is how many messages are handled at once. Default 2.
	Concurrency int
	// Backoff is the redelivery delay after a failure. Default: 100 ms
	// times the delivery count, at most 1 s (the product's default starts
	// at 5 s).
	Backoff func(delivery uint64) time.Duration
	// LeaseTTL, when set, provisions the lease bucket with this TTL (the
	// product's follows the stream's AckWait), so that the lease of a
	// killed worker expires sooner. LeaseRefresh defaults to a third of it.
	LeaseTTL     time.Duration
	LeaseRefresh time.Duration
	// Wrap, if set, wraps the worker's handler (to make it panic, say).
	Wrap func(events.Handler) events.Handler
	// Log receives the worker's logs (default: discarded); Tally, if set,
	// counts them.
	Log   *slog.Logger
	Tally *LogTally
	// Name names the worker in lease values.
	Name string
	// Args are more of the worker's flags, parsed after those StartWorker
	// sets (e.g. the LLM's).
	Args []string
}

// WorkerFlags parses args as the worker command parses its flags (without
// reading the environment), so a test gets the production defaults of
// everything it does not set.
func WorkerFlags(args ...string) (*app.Common, *app.Worker, error) {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c, wc := app.RegisterCommon(fs), app.RegisterWorker(fs)
	c.RegisterNATS(fs)
	wc.RegisterMetricsAddr(fs)
	if err := fs.Parse(args); err != nil {
		return nil, nil, fmt.Errorf("apptest: worker flags %q: %w", args, err)
	}
	return c, wc, nil
}

// Handled is one message a Worker handled.
type Handled struct {
	Subject  string
	Delivery uint64
	// Sequence is the message's stream sequence.
	Sequence uint64
	// Trigger and SourceCommit are the request's, when it could be decoded.
	Trigger      events.Trigger
	SourceCommit string
	Report       worker.Report
	Err          error
}

// Worker is a running in-process worker.
type Worker struct {
	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
	stopErr  error

	mu      sync.Mutex
	handled []Handled
	settled map[events.Settlement]int
}

// StartWorker builds a worker with app.NewWorkerLoop, as cmd/worker and
// the all-in-one do, from the worker's flags with opts' settings, and
// starts consuming. Stop it with Stop.
func StartWorker(ctx context.Context, opts WorkerOptions) (*Worker, error) {
	log := cmp.Or(opts.Log, discard())
	if opts.Tally != nil {
		log = slog.New(opts.Tally.Handler(log.Handler()))
	}
	c, wc, err := WorkerFlags(append([]string{"--azdo-org-url", opts.OrgURL, "--azdo-pat", opts.PAT,
		"--review-timeout", "1m", "--shutdown-grace", "5s",
		"--worker-concurrency", strconv.Itoa(cmp.Or(opts.Concurrency, 2))}, opts.Args...)...)
	if err != nil {
		return nil, err
	}
	c.Stream = opts.Stream
	if opts.LeaseTTL > 0 {
		c.LeaseTTL = opts.LeaseTTL
	}
	backoff := opts.Backoff
	if backoff == nil {
		backoff = func(d uint64) time.Duration { return min(time.Duration(d)*100*time.Millisecond, time.Second) }
	}
	if _, err := provision.Apply(ctx, opts.JS, c.Provisioning()); err != nil {
		return nil, fmt.Errorf("apptest: provision: %w", err)
	}
	w := &Worker{done: make(chan error, 1), settled: map[events.Settlement]int{}}
	loop, err := app.NewWorkerLoop(ctx, c, wc, app.WorkerDeps{
		JS: opts.JS, Log: log, Name: cmp.Or(opts.Name, "apptest-worker"),
		Backoff:      backoff,
		Heartbeat:    max(opts.Stream.WithDefaults().AckWait/4, 100*time.Millisecond),
		LeaseRefresh: opts.LeaseRefresh,
		Wrap:         opts.Wrap,
		OnHandled:    w.handle,
		OnSettled:    w.settle,
	})
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel = cancel
	go func() { w.done <- loop.Run(runCtx) }()
	return w, nil
}

// handle records a handled message: app.WorkerDeps.OnHandled.
func (w *Worker) handle(msg jetstream.Msg, req *events.ReviewRequest, rep worker.Report, err error) {
	h := Handled{Subject: msg.Subject(), Report: rep, Err: err}
	if md, mdErr := msg.Metadata(); mdErr == nil {
		h.Delivery, h.Sequence = md.NumDelivered, md.Sequence.Stream
	}
	if req != nil {
		h.Trigger, h.SourceCommit = req.Trigger, req.SourceCommit
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.handled = append(w.handled, h)
}

// settle counts a settlement: app.WorkerDeps.OnSettled.
func (w *Worker) settle(s events.Settlement, _ error, _ time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.settled[s]++
}

// Stop stops pulling, lets running reviews finish and returns Consume's
// error. Calling it again returns the same.
func (w *Worker) Stop() error {
	w.stopOnce.Do(func() {
		w.cancel()
		w.stopErr = <-w.done
		if errors.Is(w.stopErr, context.Canceled) {
			w.stopErr = nil
		}
	})
	return w.stopErr
}

// Handled returns the messages handled so far, in order.
func (w *Worker) Handled() []Handled {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Handled(nil), w.handled...)
}

// Settled returns how many messages were settled each way.
func (w *Worker) Settled() map[events.Settlement]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[events.Settlement]int, len(w.settled))
	for k, v := range w.settled {
		out[k] = v
	}
	return out
}
