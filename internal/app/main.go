package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/peterbourgon/ff/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sourcegraph/conc/pool"

	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// ErrUsage marks a command-line or configuration mistake (exit status 2).
var ErrUsage = errors.New("invalid configuration")

// parse reads flags, then the environment for flags not given.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := ff.Parse(fs, args, ff.WithEnvVars()); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		if strings.HasSuffix(err.Error(), "parse error") {
			return fmt.Errorf("%w: %w (a duration needs its unit, as in 60s, 5m or 1h30m; a number is a whole number)", ErrUsage, err)
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return nil
}

// ParseFlagsOnly is Parse for a command that takes no positional
// argument: one left after the flags is a usage error naming the
// subcommands, so that a mistyped subcommand ("worker version") never
// starts the command with its defaults.
func ParseFlagsOnly(fs *flag.FlagSet, args []string, subcommands ...string) error {
	fs.Usage = func() { usage(fs, subcommands) }
	if err := Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return nil
	}
	known := "it has no subcommands"
	if len(subcommands) > 0 {
		known = "its subcommands are " + strings.Join(subcommands, ", ")
	}
	return fmt.Errorf("%w: %s: unexpected argument %q: it takes flags only (see --help); %s", ErrUsage, fs.Name(), fs.Arg(0), known)
}

// EnvName is the environment variable that sets the flag name when the
// command line does not: upper case, '-' as '_' (as ff reads it).
func EnvName(name string) string { return strings.ToUpper(strings.ReplaceAll(name, "-", "_")) }

// usage prints a command's --help: how to call it, its subcommands, and
// each flag with the environment variable that sets it too.
func usage(fs *flag.FlagSet, subcommands []string) {
	w := fs.Output()
	fmt.Fprintf(w, "Usage: %s [flags]\n", fs.Name())
	for _, sub := range subcommands {
		fmt.Fprintf(w, "       %s %s … (see %s %s --help)\n", fs.Name(), sub, fs.Name(), sub)
	}
	fmt.Fprintln(w, "\nFlags (each also set by the environment variable in brackets; a flag wins):")
	fs.VisitAll(func(f *flag.Flag) {
		kind, help := flag.UnquoteUsage(f)
		if kind != "" {
			kind = " " + kind
		}
		fmt.Fprintf(w, "  --%s%s  [%s]\n      %s", f.Name, kind, EnvName(f.Name), help)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// Process is what every command sets up before its own work: logger,
// tracing, and their teardown.
type Process struct {
	Log      *slog.Logger
	shutdown func(context.Context) error
}

// StartProcess builds the logger and sets up tracing for service.
func StartProcess(ctx context.Context, c *Common, service string, opts telemetry.Options) (*Process, error) {
	log, err := c.Logger()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	opts.ServiceName = service
	telemetry.RouteErrors(log)
	shutdown, exporting, err := telemetry.Setup(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	log.DebugContext(ctx, "tracing configured", "exporting", exporting)
	return &Process{Log: log, shutdown: shutdown}, nil
}

// Close flushes traces.
func (p *Process) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.shutdown(ctx); err != nil {
		p.Log.Warn("flushing traces failed", "error", err)
	}
}

// OpenStream opens JetStream on nc, checks that the fleet's resources of
// scope exist and agree with c ([CheckFleet]; it changes none), and opens
// the review stream.
func OpenStream(ctx context.Context, nc *nats.Conn, c *Common, scope provision.Scope, log *slog.Logger) (jetstream.JetStream, jetstream.Stream, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("open JetStream: %w", err)
	}
	if err := CheckFleet(ctx, js, c, scope, log); err != nil {
		return nil, nil, err
	}
	name := c.Stream.Fleet.ReviewStream()
	st, err := js.Stream(ctx, name)
	if err != nil {
		return nil, nil, fmt.Errorf("open stream %s: %w", name, err)
	}
	return js, st, nil
}

// ListenIngest builds the ingest handler and opens its listener.
func ListenIngest(cfg *Ingest, names fleet.Names, js jetstream.JetStream, reg *prometheus.Registry, log *slog.Logger) (net.Listener, http.Handler, error) {
	h, err := NewIngestHandler(cfg, names, js, reg, log)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return ln, h, nil
}

// IngestMain is the ingest command: the webhook receiver. Every setting
// is checked before it connects to NATS; it then waits for NATS (see
// [ConnectWait]).
func IngestMain(ctx context.Context, args []string, stderr io.Writer) error {
	if PrintVersion(args, stderr) {
		return nil
	}
	fs, c, ing := ingestFlags(stderr)
	if err := ParseFlagsOnly(fs, args); err != nil {
		return err
	}
	p, err := StartProcess(ctx, c, "azreviewer-ingest", telemetry.Options{})
	if err != nil {
		return err
	}
	defer p.Close()
	if err := errors.Join(c.Validate(), ing.Validate()); err != nil {
		return err
	}
	LogStartup(ctx, p.Log, "ingest", fs)

	// Listening from the start: /healthz answers while NATS is awaited,
	// /readyz and webhooks once the review stream is there.
	ln, err := net.Listen("tcp", ing.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", ing.Addr, err)
	}
	reg := NewRegistry()
	var gatherer prometheus.Gatherer // nil: /metrics has a listener of its own, or is off
	if ing.metricsOnAddr() {
		gatherer = reg
	}
	serving := NewStartingHandler("starting: connecting to NATS, opening the review stream", gatherer)
	served := make(chan struct{})
	tasks := pool.New().WithErrors().WithContext(ctx).WithCancelOnError()
	if !ing.metricsOnAddr() && ing.MetricsAddr != "off" {
		mln, err := net.Listen("tcp", ing.MetricsAddr)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("listen on %s: %w", ing.MetricsAddr, err)
		}
		tasks.Go(func(ctx context.Context) error {
			return Serve(ctx, mln, MetricsRoutes(reg), 5*time.Second, p.Log)
		})
	}
	tasks.Go(func(ctx context.Context) error {
		defer close(served)
		return RunIngest(ctx, ln, serving, p.Log)
	})
	tasks.Go(func(ctx context.Context) error {
		nc, err := ConnectWait(ctx, c, "azreviewer-ingest", p.Log)
		if err != nil {
			return startFailed(ctx, err)
		}
		// Drained once the server has answered its last delivery.
		defer nc.Drain() //nolint:errcheck // best effort at exit
		js, _, err := OpenStream(ctx, nc, c, provision.IngestScope, p.Log)
		if err != nil {
			return startFailed(ctx, err)
		}
		h, err := NewIngestHandler(ing, c.Stream.Fleet, js, reg, p.Log)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUsage, err)
		}
		serving.Started(h)
		<-served
		return nil
	})
	return tasks.Wait()
}

// ingestFlags is the ingest command's flag set.
func ingestFlags(stderr io.Writer) (*flag.FlagSet, *Common, *Ingest) {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c, ing := RegisterCommon(fs), RegisterIngest(fs)
	c.RegisterNATS(fs)
	ing.RegisterOrg(fs)
	ing.RegisterMetricsAddr(fs)
	return fs, c, ing
}

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

// Exit turns a command's error into an exit status, printing it: 0 for
// none or -h, 2 for usage and configuration mistakes, 1 otherwise.
func Exit(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrChecksFailed), errors.Is(err, ErrConfigInvalid):
		return 1
	case errors.Is(err, ErrUsage):
		fmt.Fprintln(stderr, "azreviewer:", err)
		return 2
	default:
		fmt.Fprintln(stderr, "azreviewer:", err)
		return 1
	}
}
