package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/middleware"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// NewRegistry returns a Prometheus registry with the Go and process
// collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerBuildInfo(reg)
	return reg
}

// NewIngestHandler builds the ingest process's HTTP handler: the webhook
// endpoint, health, readiness and metrics.
func NewIngestHandler(cfg *Ingest, js jetstream.JetStream, reg *prometheus.Registry, log *slog.Logger) (http.Handler, error) {
	h, err := ingest.NewHandler(ingest.Config{
		BasicUser:        cfg.BasicUser,
		BasicPassword:    cfg.BasicPassword,
		Token:            cfg.Token,
		InsecureNoAuth:   cfg.InsecureNoAuth,
		OrgURL:           cfg.OrgURL,
		MaxInFlightBytes: cfg.MaxInFlightBytes,
		BodyTimeout:      cfg.BodyTimeout,
		Logger:           log,
	}, events.NewPublisher(js), reg)
	if err != nil {
		return nil, err
	}
	if cfg.InsecureNoAuth && cfg.BasicUser == "" && cfg.Token == "" {
		log.Warn("webhook deliveries are accepted without credentials (--insecure-no-auth)")
	}
	return Routes(h, streamReady(js), reg), nil
}

// RunIngest serves the ingest handler on ln until ctx is cancelled.
func RunIngest(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	log.Info("ingest listening", "addr", ln.Addr().String(), "webhook", ingest.WebhookPath)
	return Serve(ctx, ln, h, 15*time.Second, log)
}

// WorkerDeps are what a worker process runs against.
type WorkerDeps struct {
	JS       jetstream.JetStream
	Stream   jetstream.Stream
	Registry *prometheus.Registry
	Log      *slog.Logger
	// Transport, if set, is the base HTTP transport to Azure DevOps.
	Transport http.RoundTripper
}

// RunWorker consumes review requests until ctx is cancelled, then drains:
// running reviews get cfg.ShutdownGrace to finish.
func RunWorker(ctx context.Context, c *Common, cfg *Worker, d WorkerDeps) error {
	// First: it makes the worker non-dumpable before anything else.
	tools, err := cfg.Analyzers(c.NATSCreds)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	client, err := cfg.Client(d.Transport)
	if err != nil {
		return err
	}
	coord, err := coordination.Ensure(ctx, d.JS, c.Stream, coordination.Config{Owner: workerName(), LeaseTTL: c.LeaseTTL})
	if err != nil {
		return startFailed(ctx, err)
	}
	scanner, err := secrets.New()
	if err != nil {
		return err
	}
	reviewers := []reviewer.Reviewer{reviewer.Rules(), scanner}
	llmCfg, llmOn, err := llmreview.ConfigFromEnv(os.Getenv)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if llmOn {
		llmCfg.Secrets = scanner
		llm, err := llmreview.New(llmCfg)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		reviewers = append(reviewers, llm)
		d.Log.Info("LLM reviewer on", "provider", llmCfg.Provider, "model", cmp.Or(llmCfg.Model, llmCfg.Deployment))
	}
	metrics := worker.NewMetrics(d.Registry)
	w, err := worker.New(worker.Config{
		Reviewers:        reviewers,
		Analyzers:        tools,
		BlockingSeverity: reviewer.Severity(cfg.BlockingSeverity),
		OrgURL:           cfg.OrgURL,
		ReviewTimeout:    cfg.ReviewTimeout,
		MaxFiles:         cfg.MaxFiles,
		MaxThreads:       cfg.MaxThreads,
		// Validated by worker.New.
		CommentAllowedHosts: strings.Split(cfg.CommentAllowedHosts, ","),
		Logger:              d.Log,
		Coordinator:         coord,
		LeaseRefresh:        c.LeaseTTL / 3,
	}, client, metrics)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	cons, err := streams.EnsureConsumer(ctx, d.Stream, c.Stream)
	if err != nil {
		return startFailed(ctx, err)
	}
	d.Log.Info("worker consuming", "stream", events.StreamName, "consumer", streams.ConsumerName,
		"concurrency", cfg.Concurrency, "org", client.OrgURL())
	if cfg.SweepInterval > 0 {
		stop := sweepEvery(ctx, cfg.SweepInterval, w, client, events.NewPublisher(d.JS), d.Log)
		defer stop()
	}
	poison, err := middleware.PoisonQueue(deadletter.NewPublisher(d.JS), c.Stream.MaxDeliver, d.Log)
	if err != nil {
		return err
	}
	return events.Consume(ctx, cons, events.ConsumeConfig{
		Concurrency:   cfg.Concurrency,
		Heartbeat:     max(c.Stream.AckWait/4, time.Second),
		ShutdownGrace: cfg.ShutdownGrace,
		Logger:        d.Log,
		OnSettled:     metrics.Settled,
	}, middleware.Chain(w.Handle, poison, middleware.Recoverer(d.Log)))
}

// sweepEvery runs the worker's recovery sweep every interval, the first
// one an interval after the start, until ctx ends or stop is called; stop
// waits for a running sweep to end.
func sweepEvery(ctx context.Context, interval time.Duration, w *worker.Worker, list worker.SweepLister, enq worker.Enqueuer, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := w.SweepEvery(ctx, interval, list, enq); err != nil && ctx.Err() == nil {
					log.Warn("sweep failed; the next one runs on schedule", "error", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// startFailed returns err, a start-up step's failure, or nil when it only
// says that ctx ended: a shutdown asked for while the worker was starting.
func startFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// workerName names this process in lease values: host and pid.
func workerName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}
