package apptest

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/middleware"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// WorkerOptions configures an in-process worker wired as app.RunWorker
// wires one (coordination, dead letters, heartbeats, the real worker
// against Azure DevOps through the SDK), with the knobs a test needs to run
// in seconds. JS, OrgURL and PAT are required.
type WorkerOptions struct {
	JS jetstream.JetStream
	// Stream must be the configuration the streams were provisioned with:
	// the worker updates the consumer with it.
	Stream      streams.Config
	OrgURL, PAT string
	// Concurrency is how many messages are handled at once. Default 2.
	Concurrency int
	// Backoff is the redelivery delay after a failure. Default: 100 ms
	// times the delivery count, at most 1 s (the product's default starts
	// at 5 s).
	Backoff func(delivery uint64) time.Duration
	// LeaseTTL, when set, re-provisions the lease bucket with this TTL (the
	// product's is 45 s), so that the lease of a killed worker expires
	// sooner. LeaseRefresh defaults to a third of it.
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

// StartWorker starts consuming. Stop it with Stop.
func StartWorker(ctx context.Context, opts WorkerOptions) (*Worker, error) {
	log := cmp.Or(opts.Log, discard())
	if opts.Tally != nil {
		log = slog.New(opts.Tally.Handler(log.Handler()))
	}
	_, wc, err := WorkerFlags("--azdo-org-url", opts.OrgURL, "--azdo-pat", opts.PAT)
	if err != nil {
		return nil, err
	}
	client, err := wc.Client(nil) // the production defaults of the limiter and retries
	if err != nil {
		return nil, err
	}
	coord, err := coordination.Ensure(ctx, opts.JS, opts.Stream, coordination.Config{
		LeaseTTL: opts.LeaseTTL, Owner: cmp.Or(opts.Name, "apptest-worker"),
	})
	if err != nil {
		return nil, err
	}
	refresh := opts.LeaseRefresh
	if refresh == 0 && opts.LeaseTTL > 0 {
		refresh = opts.LeaseTTL / 3
	}
	rev, err := worker.New(worker.Config{
		OrgURL: opts.OrgURL, ReviewTimeout: time.Minute, Logger: log,
		Coordinator: coord, LeaseRefresh: refresh,
	}, client, nil)
	if err != nil {
		return nil, err
	}
	st, err := opts.JS.Stream(ctx, events.StreamName)
	if err != nil {
		return nil, err
	}
	cons, err := streams.EnsureConsumer(ctx, st, opts.Stream)
	if err != nil {
		return nil, err
	}
	w := &Worker{done: make(chan error, 1), settled: map[events.Settlement]int{}}
	handle := events.Handler(func(ctx context.Context, msg jetstream.Msg) error {
		h := Handled{Subject: msg.Subject()}
		if md, err := msg.Metadata(); err == nil {
			h.Delivery = md.NumDelivered
		}
		req, err := events.UnmarshalRequest(msg.Data())
		if err == nil {
			h.Trigger, h.SourceCommit = req.Trigger, req.SourceCommit
			h.Report, err = rev.Review(ctx, req)
		}
		h.Err = err
		w.mu.Lock()
		w.handled = append(w.handled, h)
		w.mu.Unlock()
		return err
	})
	if opts.Wrap != nil {
		handle = opts.Wrap(handle)
	}
	poison, err := middleware.PoisonQueue(deadletter.NewPublisher(opts.JS), cmp.Or(opts.Stream.MaxDeliver, 10), log)
	if err != nil {
		return nil, err
	}
	handle = middleware.Chain(handle, poison, middleware.Recoverer(log))
	backoff := opts.Backoff
	if backoff == nil {
		backoff = func(d uint64) time.Duration { return min(time.Duration(d)*100*time.Millisecond, time.Second) }
	}
	ackWait := cmp.Or(opts.Stream.AckWait, 60*time.Second)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel = cancel
	go func() {
		w.done <- events.Consume(runCtx, cons, events.ConsumeConfig{
			Concurrency:   cmp.Or(opts.Concurrency, 2),
			Heartbeat:     max(ackWait/4, 100*time.Millisecond),
			ShutdownGrace: 5 * time.Second,
			Backoff:       backoff,
			Logger:        log,
			OnSettled: func(s events.Settlement, _ error, _ time.Duration) {
				w.mu.Lock()
				w.settled[s]++
				w.mu.Unlock()
			},
		}, handle)
	}()
	return w, nil
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
