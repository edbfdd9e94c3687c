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
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/orgs"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/telemetry"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sourcegraph/conc/pool"
)

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
	if ing.OrgsFile != "" {
		holdHangUps()
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
	ing.organisations() // built once, before anything reads or reloads it

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
	if ing.OrgsFile != "" {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		tasks.Go(func(ctx context.Context) error {
			defer signal.Stop(hup)
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-hup:
					ing.ReloadOrganisations(ctx, p.Log)
				}
			}
		})
	}
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

// NewIngestHandler builds the ingest process's HTTP handler: the webhook
// endpoint, health, readiness and metrics.
func NewIngestHandler(cfg *Ingest, names fleet.Names, js jetstream.JetStream, reg *prometheus.Registry, log *slog.Logger) (http.Handler, error) {
	h, err := ingest.NewHandler(cfg.handlerConfig(log), events.NewPublisher(js, names), reg)
	if err != nil {
		return nil, nameIngestSettings(err)
	}
	if cfg.InsecureNoAuth && cfg.BasicUser == "" && cfg.Token == "" {
		log.Warn("webhook deliveries are accepted without credentials (--insecure-no-auth)")
	}
	var gatherer prometheus.Gatherer // nil: /metrics is elsewhere, or off
	if cfg.metricsOnAddr() {
		gatherer = reg
	}
	return Routes(h, StreamReady(js, names.ReviewStream()), gatherer), nil
}

// handlerConfig is the webhook handler's configuration.
func (c *Ingest) handlerConfig(log *slog.Logger) ingest.Config {
	return ingest.Config{
		BasicUser:        c.BasicUser,
		BasicPassword:    c.BasicPassword,
		Token:            c.Token,
		InsecureNoAuth:   c.InsecureNoAuth,
		Orgs:             c.organisations(),
		MaxInFlightBytes: c.MaxInFlightBytes,
		BodyTimeout:      c.BodyTimeout,
		Logger:           log,
	}
}

// organisations is the set of organisations whose events are published,
// built once from the configuration (nil: any); reloading replaces its
// content ([Ingest.ReloadOrganisations]).
func (c *Ingest) organisations() *ingest.Organisations {
	if c.OrgURL == "" && c.OrgsFile == "" {
		return nil
	}
	if c.orgSet == nil {
		list, _ := c.Organisations() // an error is Validate's to report
		c.orgSet = ingest.NewOrganisations(orgURLs(list)...)
	}
	return c.orgSet
}

// ReloadOrganisations reads the organisations file again and publishes
// its organisations' events from now on; a file with mistakes keeps the
// previous set and logs each mistake with its line.
func (c *Ingest) ReloadOrganisations(ctx context.Context, log *slog.Logger) {
	if c.OrgsFile == "" {
		return
	}
	list, err := c.Organisations()
	if err != nil {
		logOrgsProblems(ctx, log, err)
		return
	}
	c.organisations().Set(orgURLs(list))
	log.InfoContext(ctx, LogOrganisationsReloaded, "organisations", orgs.Names(list))
}

// orgURLs are the organisations' URLs.
func orgURLs(list []orgs.Organization) []string {
	out := make([]string, len(list))
	for i, o := range list {
		out[i] = o.URL
	}
	return out
}

// RunIngest serves the ingest handler on ln until ctx is cancelled.
func RunIngest(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	log.InfoContext(ctx, "ingest listening", "addr", ln.Addr().String(), "webhook", ingest.WebhookPath)
	return Serve(ctx, ln, h, 15*time.Second, log)
}
