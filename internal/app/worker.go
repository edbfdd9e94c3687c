package app

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/budget"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/middleware"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/telemetry"
	"github.com/azreviewer/azreviewer/internal/worker"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sourcegraph/conc/pool"
)

// WorkerMain is the worker command: the review consumer. "worker doctor"
// runs [DoctorMain], "worker dead-letters" [DeadLettersMain], "worker
// config" [ConfigMain], "worker hooks" [HooksMain], "worker provision"
// [ProvisionMain].
func WorkerMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if PrintVersion(args, stdout) {
		return nil
	}
	if rest, ok := Subcommand(args); ok {
		return DoctorMain(ctx, rest, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "config" {
		return ConfigMain(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "hooks" {
		return HooksMain(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "dead-letters" {
		return DeadLettersMain(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "provision" {
		return ProvisionMain(ctx, "worker provision", args[1:], stdout, stderr)
	}
	fs, c, wc := workerFlags(stderr)
	if err := ParseFlagsOnly(fs, args, "doctor", "config", "hooks", "dead-letters", "provision"); err != nil {
		return err
	}
	// Before any secret is read or any tool runs.
	if err := wc.Protect(); err != nil {
		return err
	}
	if wc.OrgsFile != "" {
		holdHangUps()
	}
	tuneWorkerGC(os.LookupEnv)
	p, err := StartProcess(ctx, c, "azreviewer-worker", telemetry.Options{})
	if err != nil {
		return err
	}
	defer p.Close()
	// Every setting is checked, and all that needs no NATS built, before
	// connecting.
	reg := NewRegistry()
	if err := c.Validate(); err != nil {
		return err
	}
	setup, err := NewWorkerSetup(ctx, c, wc, WorkerDeps{Registry: reg, Log: p.Log})
	if err != nil {
		return err
	}
	LogStartup(ctx, p.Log, "worker", fs)

	ready := &WorkerReady{}
	tasks := pool.New().WithErrors().WithContext(ctx).WithCancelOnError()
	if wc.MetricsAddr != "" && wc.MetricsAddr != "off" {
		// Served from the start: /healthz answers while NATS is awaited,
		// /readyz once the worker consumes.
		ln, err := net.Listen("tcp", wc.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", wc.MetricsAddr, err)
		}
		tasks.Go(func(ctx context.Context) error {
			return Serve(ctx, ln, Routes(nil, ready.Ready, reg), 5*time.Second, p.Log)
		})
	}
	tasks.Go(func(ctx context.Context) error {
		nc, err := ConnectWait(ctx, c, "azreviewer-worker", p.Log)
		if err != nil {
			return startFailed(ctx, err)
		}
		defer nc.Drain() //nolint:errcheck // best effort at exit
		js, st, err := OpenStream(ctx, nc, c, provision.WorkerScope, p.Log)
		if err != nil {
			return startFailed(ctx, err)
		}
		return RunWorker(ctx, c, wc, WorkerDeps{JS: js, Stream: st, Registry: reg, Log: p.Log, Setup: setup, Ready: ready})
	})
	return tasks.Wait()
}

// workerFlags is the worker command's flag set.
func workerFlags(stderr io.Writer) (*flag.FlagSet, *Common, *Worker) {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, wc := RegisterCommon(fs), RegisterWorker(fs)
	c.RegisterNATS(fs)
	wc.RegisterMetricsAddr(fs)
	return fs, c, wc
}

// WorkerDeps are what a worker runs against, and the hooks a test sets.
// Every hook's zero value is the production behaviour.
type WorkerDeps struct {
	JS jetstream.JetStream
	// Stream is the review stream. Nil: opened by name.
	Stream jetstream.Stream
	// Registry receives the worker's metrics. Nil: not registered.
	Registry *prometheus.Registry
	Log      *slog.Logger
	// Transport, if set, is the base HTTP transport to Azure DevOps.
	Transport http.RoundTripper
	// Name names this worker in lease values. Default: host and pid.
	Name string
	// Backoff is the redelivery delay after a failed delivery (1 for the
	// first). Default: 5 s doubling per delivery, at most 5 min.
	Backoff func(delivery uint64) time.Duration
	// Heartbeat is how often a running review's message is marked in
	// progress; it must be shorter than the consumer's AckWait. Default: a
	// quarter of it (streams.Config.Heartbeat).
	Heartbeat time.Duration
	// LeaseRefresh is how often a held lease is refreshed; it must be
	// shorter than the lease TTL. Default: a third of it
	// (Common.LeaseRefresh).
	LeaseRefresh time.Duration
	// Wrap, if set, wraps the worker's handler, inside the consume chain's
	// middlewares (to make it panic, say).
	Wrap func(events.Handler) events.Handler
	// OnHandled, if set, is called when the worker has handled a message,
	// with the request (nil when the message could not be decoded), the
	// review's report and its error.
	OnHandled func(msg jetstream.Msg, req *events.ReviewRequest, rep worker.Report, err error)
	// OnSettled, if set, is called after each message is settled, after
	// the metrics counted it.
	OnSettled func(s events.Settlement, err error, took time.Duration)
	// Setup, if set, is the worker's setup, built before connecting.
	// Default: built from the configuration.
	Setup *WorkerSetup
	// Ready, if set, records whether the worker consumes (its /readyz).
	Ready *WorkerReady
	// Reload, if set, reloads the organisations file on every receive,
	// as SIGHUP does; OnReload, if set, is called after each reload with
	// its error (nil: the new organisations are served). OrgsFilePoll is
	// how often the file's modification time is looked at. Default
	// [OrgsFilePoll].
	Reload       <-chan struct{}
	OnReload     func(err error)
	OrgsFilePoll time.Duration
}

// WorkerLoop is a worker built from its configuration, ready to consume:
// the one wiring of cmd/worker, the all-in-one and the tests.
type WorkerLoop struct {
	router  *worker.Router
	cons    jetstream.Consumer
	consume events.ConsumeConfig
	handle  events.Handler
	sweep   time.Duration
	js      jetstream.JetStream
	names   fleet.Names
	log     *slog.Logger
	ready   *WorkerReady

	// What a reload of the organisations file needs.
	setup    *WorkerSetup
	review   worker.Config // the settings every organisation's Worker shares
	reload   <-chan struct{}
	onReload func(error)
	poll     time.Duration
	// mu guards orgs, the organisations served, and budgetKV.
	mu   sync.Mutex
	orgs []orgClient
	// budgetKV is the fleet's bucket of budgets, opened once an
	// organisation has a budget.
	budgetKV jetstream.KeyValue
}

// WorkerSetup is what a worker builds from its configuration alone,
// before it connects to NATS: the analyzers, each organisation's Azure
// DevOps client, the reviewers (the LLM's when configured) and the checked
// review settings. Building it is where every configuration mistake is
// found.
type WorkerSetup struct {
	az          AzureDevOps
	transport   http.RoundTripper
	azdoMetrics *azdo.Metrics
	budgets     *budgetSetup
	orgs        []orgClient
	// stamp is the organisations file's as it was read.
	stamp   fileStamp
	review  worker.Config
	metrics *worker.Metrics
}

// NewWorkerSetup checks cfg and c and builds what needs no NATS (see
// [WorkerSetup]); d gives the registry, logger and transport. Mistakes are
// [ErrUsage].
func NewWorkerSetup(ctx context.Context, c *Common, cfg *Worker, d WorkerDeps) (*WorkerSetup, error) {
	log := cmp.Or(d.Log, slog.Default())
	// First: it makes the worker non-dumpable before anything else.
	tools, err := cfg.Analyzers(c.NATSCreds)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	var reg prometheus.Registerer // nil: not registered (a nil *Registry is not)
	if d.Registry != nil {
		reg = d.Registry
	}
	stamp := stampOf(cfg.OrgsFile) // before reading: a change from now on is noticed
	list, err := cfg.Organizations()
	if err != nil {
		return nil, err
	}
	azdoMetrics := azdo.NewMetrics(reg)
	budgets := &budgetSetup{metrics: budget.NewMetrics(reg), log: log}
	clients, err := cfg.orgClients(ctx, list, d.Transport, azdoMetrics, nil, budgets)
	if err != nil {
		return nil, err
	}
	// ACK_WAIT and LEASE_TTL with the heartbeat and refresh they imply,
	// checked before connecting.
	if _, err := workerTiming(c, d); err != nil {
		return nil, err
	}
	scanner, err := secrets.New()
	if err != nil {
		return nil, err
	}
	reviewers := []reviewer.Reviewer{reviewer.Rules(), scanner}
	llmCfg, llmOn, err := cfg.LLM.Config()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if llmOn {
		llmCfg.Secrets = scanner
		llm, err := llmreview.New(llmCfg)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, nameLLMSettings(err))
		}
		reviewers = append(reviewers, llm)
		log.InfoContext(ctx, "LLM reviewer on", "provider", llmCfg.Provider, "model", cmp.Or(llmCfg.Model, llmCfg.Deployment))
	}
	review := worker.Config{
		Reviewers:           reviewers,
		Analyzers:           tools,
		BlockingSeverity:    reviewer.Severity(cfg.BlockingSeverity),
		OrgURL:              clients[0].org.URL, // each organisation's Worker has its own
		ReviewTimeout:       cfg.ReviewTimeout,
		MaxFiles:            cfg.MaxFiles,
		MaxThreads:          cfg.MaxThreads,
		CommentAllowedHosts: strings.Split(cfg.CommentAllowedHosts, ","),
		Logger:              log,
		CommandLimit:        cfg.LLM.CommandLimit,
		CommandWindow:       cfg.LLM.CommandWindow,
		LLMBudget:           offWhenZero(cfg.LLM.Budget),
		LLMBudgetWindow:     cfg.LLM.BudgetWindow,
		ThreadListPeriod:    offWhenZero(cfg.ThreadListPeriod),
		StateClockSkew:      offWhenZero(cfg.StateClockSkew),
		FirstReviewWindow:   offWhenZero(cfg.FirstReviewWindow),
		HeadBytes:           offWhenZero(cfg.HeadKeepBytes),
	}
	if err := review.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, nameWorkerSettings(err))
	}
	return &WorkerSetup{
		az: cfg.AzureDevOps, transport: d.Transport, azdoMetrics: azdoMetrics, budgets: budgets, orgs: clients, stamp: stamp,
		review: review, metrics: worker.NewMetrics(reg),
	}, nil
}

// NewWorkerLoop builds a worker from cfg and c: its [WorkerSetup] (d.Setup,
// or built now), the coordination buckets, the durable consumer, and the
// consume chain (poison queue, recoverer, the worker's handler). It opens
// the fleet's buckets and consumer and changes neither: they are
// provisioned beforehand ([ProvisionFleet]) and checked ([CheckFleet]).
func NewWorkerLoop(ctx context.Context, c *Common, cfg *Worker, d WorkerDeps) (*WorkerLoop, error) {
	log := cmp.Or(d.Log, slog.Default())
	setup := d.Setup
	if setup == nil {
		var err error
		if setup, err = NewWorkerSetup(ctx, c, cfg, d); err != nil {
			return nil, err
		}
	}
	metrics := setup.metrics
	timing, err := workerTiming(c, d)
	if err != nil {
		return nil, err
	}
	// Opened, not provisioned: "worker provision" owns the buckets, and
	// WorkerMain checked them against this configuration.
	coord, err := coordination.Open(ctx, d.JS, c.Stream, coordination.Config{Owner: cmp.Or(d.Name, workerName()), LeaseTTL: timing.leaseTTL})
	if err != nil {
		return nil, notProvisioned(err)
	}
	mem, err := coordination.OpenMemory(ctx, d.JS, c.Stream)
	if err != nil {
		return nil, notProvisioned(err)
	}
	names := c.Stream.Fleet
	budgetKV, err := attachBudgets(ctx, d.JS, names, nil, setup.orgs)
	if err != nil {
		return nil, err
	}
	st := d.Stream
	if st == nil {
		if st, err = d.JS.Stream(ctx, names.ReviewStream()); err != nil {
			return nil, notProvisioned(fmt.Errorf("open stream %s: %w", names.ReviewStream(), err))
		}
	}
	review := setup.review
	review.Coordinator = coord
	review.Memory = mem
	review.LeaseRefresh = timing.leaseRefresh
	review.Positions = streams.NewStreamPositions(st)
	rs, err := routes(review, setup.orgs, metrics, log)
	if err != nil {
		return nil, err
	}
	router := worker.NewRouter(metrics, log)
	if err := router.Set(rs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	cons, err := st.Consumer(ctx, names.Consumer())
	if err != nil {
		return nil, notProvisioned(fmt.Errorf("open consumer %s of stream %s: %w", names.Consumer(), names.ReviewStream(), err))
	}
	stream := c.Stream.WithDefaults()
	poison, err := middleware.PoisonQueue(deadletter.NewPublisher(d.JS, names), stream.MaxDeliver, log)
	if err != nil {
		return nil, err
	}
	handle := events.Handler(func(ctx context.Context, msg jetstream.Msg) error {
		req, rep, err := router.HandleMessage(ctx, msg)
		if d.OnHandled != nil {
			d.OnHandled(msg, req, rep, err)
		}
		return err
	})
	if d.Wrap != nil {
		handle = d.Wrap(handle)
	}
	return &WorkerLoop{
		router: router, cons: cons, js: d.JS, names: names, log: log, sweep: cfg.SweepInterval, ready: d.Ready,
		setup: setup, review: review, orgs: setup.orgs, budgetKV: budgetKV, reload: d.Reload, onReload: d.OnReload, poll: cmp.Or(d.OrgsFilePoll, OrgsFilePoll),
		handle: middleware.Chain(handle, poison, middleware.Recoverer(log)),
		consume: events.ConsumeConfig{
			Concurrency:   cfg.Concurrency,
			Heartbeat:     timing.heartbeat,
			ShutdownGrace: cfg.ShutdownGrace,
			Backoff:       d.Backoff,
			Logger:        log,
			OnSettled: func(s events.Settlement, err error, took time.Duration) {
				metrics.Settled(s, err, took)
				if d.OnSettled != nil {
					d.OnSettled(s, err, took)
				}
			},
		},
	}, nil
}

// Run consumes review requests, and runs the recovery sweep when
// configured, until ctx is cancelled, then drains: running reviews get the
// shutdown grace to finish.
func (l *WorkerLoop) Run(ctx context.Context) error {
	// Watching before "consuming" is logged: a SIGHUP sent once the worker
	// says it consumes is a reload.
	stop := l.watchOrgsFile(ctx)
	defer stop()
	l.log.InfoContext(ctx, LogWorkerConsuming, "fleet", l.names.Fleet(), "stream", l.names.ReviewStream(), "consumer", l.names.Consumer(),
		"concurrency", l.consume.Concurrency, "organisations", orgNames(l.served()),
		"budget_units_per_5m", l.setup.az.orgBudgets(l.served()))
	l.ready.consuming(l.cons)
	defer l.ready.stopping()
	stopping := context.AfterFunc(ctx, l.ready.stopping)
	defer stopping()
	if l.sweep > 0 {
		stop := sweepEvery(ctx, l.sweep, l.router, events.NewPublisher(l.js, l.names), l.log)
		defer stop()
	}
	for _, o := range l.served() {
		if o.budget != nil {
			o.budget.Start(ctx)
		}
	}
	defer func() {
		for _, o := range l.served() {
			if o.budget != nil {
				o.budget.Close()
			}
		}
	}()
	return events.Consume(ctx, l.cons, l.consume, l.handle)
}

// attachBudgets attaches every organisation's budget to the fleet's
// bucket of budgets, kv or, when nil and a budget needs it, the bucket
// opened now; it returns the bucket.
func attachBudgets(ctx context.Context, js jetstream.JetStream, names fleet.Names, kv jetstream.KeyValue, list []orgClient) (jetstream.KeyValue, error) {
	for _, o := range list {
		if o.budget == nil {
			continue
		}
		if kv == nil {
			var err error
			if kv, err = js.KeyValue(ctx, names.BudgetBucket()); err != nil {
				return nil, notProvisioned(fmt.Errorf("open bucket %s: %w", names.BudgetBucket(), err))
			}
		}
		o.budget.Attach(kv)
	}
	return kv, nil
}

// served is the organisations served now.
func (l *WorkerLoop) served() []orgClient {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.orgs
}

// watchOrgsFile reloads the organisations file on SIGHUP, on a receive
// from WorkerDeps.Reload and when its modification time or size changes,
// until ctx ends or stop is called; stop waits for a running reload. It
// watches nothing without a file (and without WorkerDeps.Reload).
func (l *WorkerLoop) watchOrgsFile(ctx context.Context) (stop func()) {
	file := l.setup.az.OrgsFile
	if file == "" && l.reload == nil {
		return func() {}
	}
	hup := make(chan os.Signal, 1)
	var tick <-chan time.Time
	unwatch := func() {}
	if file != "" {
		signal.Notify(hup, syscall.SIGHUP)
		t := time.NewTicker(l.poll)
		tick = t.C
		unwatch = func() { signal.Stop(hup); t.Stop() }
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		last := l.setup.stamp
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			case <-l.reload:
			case <-tick:
				if stampOf(file) == last {
					continue
				}
			}
			last = stampOf(file)
			err := l.Reload(ctx)
			if l.onReload != nil {
				l.onReload(err)
			}
		}
	}()
	return func() { cancel(); <-done; unwatch() }
}

// Reload reads the organisations again and serves them from now on:
// reviews running finish on the Worker they started on, new requests go
// to the new organisations' Workers; an organisation whose URL, name and
// credential identity are unchanged keeps its client (its limiter and
// Retry-After pause). When the file has mistakes, or a credential cannot
// be built, the previous organisations are kept and each problem is
// logged with its line.
func (l *WorkerLoop) Reload(ctx context.Context) error {
	az := l.setup.az
	list, err := az.Organizations()
	if err != nil {
		logOrgsProblems(ctx, l.log, err)
		return err
	}
	prev := l.served()
	clients, err := az.orgClients(ctx, list, l.setup.transport, l.setup.azdoMetrics, prev, l.setup.budgets)
	if err != nil {
		logOrgsProblems(ctx, l.log, err)
		return err
	}
	l.mu.Lock()
	kv := l.budgetKV
	l.mu.Unlock()
	if kv, err = attachBudgets(ctx, l.js, l.names, kv, clients); err != nil {
		logOrgsProblems(ctx, l.log, err)
		return err
	}
	rs, err := routes(l.review, clients, l.setup.metrics, l.log)
	if err == nil {
		err = l.router.Set(rs)
	}
	if err != nil {
		logOrgsProblems(ctx, l.log, err)
		return err
	}
	l.mu.Lock()
	l.orgs = clients
	l.budgetKV = kv
	l.mu.Unlock()
	for _, c := range clients {
		if c.budget != nil {
			c.budget.Start(ctx)
		}
	}
	for _, p := range prev {
		if p.budget != nil && !slices.ContainsFunc(clients, func(c orgClient) bool { return c.budget == p.budget }) {
			p.budget.Close()
		}
		if !slices.ContainsFunc(clients, func(c orgClient) bool { return c.org.Name == p.org.Name }) {
			l.setup.azdoMetrics.Forget(p.org.Name)
			l.setup.budgets.metrics.Forget(p.org.Name)
		}
	}
	l.log.InfoContext(ctx, LogOrganisationsReloaded, "organisations", orgNames(clients))
	return nil
}

// timing is a worker's redelivery and lease timing.
type timing struct {
	heartbeat, leaseTTL, leaseRefresh time.Duration
}

// workerTiming derives the heartbeat and the lease refresh from ACK_WAIT
// and LEASE_TTL, or takes a test's, and checks that each comes well before
// what it keeps alive: a heartbeat no sooner than the ack wait would let
// JetStream redeliver a running review, a refresh no sooner than the TTL
// would let another worker take the lease mid-review.
func workerTiming(c *Common, d WorkerDeps) (timing, error) {
	if err := c.ValidateTimings(); err != nil {
		return timing{}, err
	}
	t := timing{
		heartbeat:    cmp.Or(d.Heartbeat, c.Stream.Heartbeat()),
		leaseTTL:     c.EffectiveLeaseTTL(),
		leaseRefresh: cmp.Or(d.LeaseRefresh, c.LeaseRefresh()),
	}
	ackWait := c.Stream.WithDefaults().AckWait
	var errs []error
	if t.heartbeat <= 0 || t.heartbeat >= ackWait {
		errs = append(errs, fmt.Errorf("%w: the heartbeat (%s) must be positive and shorter than ACK_WAIT (%s)", ErrUsage, t.heartbeat, ackWait))
	}
	if t.leaseRefresh <= 0 || t.leaseRefresh >= t.leaseTTL {
		errs = append(errs, fmt.Errorf("%w: the lease refresh (%s) must be positive and shorter than LEASE_TTL (%s)", ErrUsage, t.leaseRefresh, t.leaseTTL))
	}
	return t, errors.Join(errs...)
}

// RunWorker builds a worker ([NewWorkerLoop]) and runs it until ctx is
// cancelled.
func RunWorker(ctx context.Context, c *Common, cfg *Worker, d WorkerDeps) error {
	l, err := NewWorkerLoop(ctx, c, cfg, d)
	if err != nil {
		return startFailed(ctx, err)
	}
	return l.Run(ctx)
}

// sweepEvery runs the recovery sweep of every organisation every
// interval, the first one an interval after the start, until ctx ends or
// stop is called; stop waits for a running sweep to end.
func sweepEvery(ctx context.Context, interval time.Duration, r *worker.Router, enq worker.Enqueuer, log *slog.Logger) (stop func()) {
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
				if err := r.SweepEvery(ctx, interval, enq); err != nil && ctx.Err() == nil {
					log.WarnContext(ctx, "sweep failed; the next one runs on schedule", "error", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// workerName names this process in lease values: host and pid.
func workerName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// LogWorkerConsuming is logged once a worker starts pulling.
const LogWorkerConsuming = "worker consuming"

// holdHangUps makes a SIGHUP that arrives before the organisations file is
// watched do nothing, where by default it would end the process: the file
// is read at start anyway. Watching it (signal.Notify) takes SIGHUP over.
func holdHangUps() { signal.Ignore(syscall.SIGHUP) }

// offWhenZero is a flag's value as a worker.Config field takes it: a
// flag's 0 turns the setting off, which the field spells negative (its 0
// is the default).
func offWhenZero[T int | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}
