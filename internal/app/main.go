package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/telemetry"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/peterbourgon/ff/v3"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
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

// NewRegistry returns a Prometheus registry with the Go and process
// collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	registerBuildInfo(reg)
	return reg
}

// notProvisioned marks err, a resource the worker opens that does not
// exist, as a configuration mistake (exit status 2) pointing at
// "worker provision".
func notProvisioned(err error) error {
	if errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) {
		return fmt.Errorf("%w: %w: run `worker provision` with the fleet's configuration to create it", ErrUsage, err)
	}
	return err
}

// startFailed returns err, a start-up step's failure, or nil when it only
// says that ctx ended: a shutdown asked for while the worker was starting.
func startFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}
