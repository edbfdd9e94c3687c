// Package throughput measures ingest's webhook throughput against a minimal
// publish server, in one process and one run: one embedded JetStream
// server (file store); ingest wired as the ingest command wires it
// (app.ListenIngest: authentication, limits, otelhttp, metrics, logs at
// info, events.Publisher, the production http.Server); and a minimal server
// that reads the body, decodes it once, publishes the same review request
// to the same stream and answers 202. Clients post Microsoft's sample
// pull-request and comment payloads (internal/servicehooks/testdata), each
// with its own event and pull-request id, over keep-alive connections on
// 127.0.0.1, each waiting for its answer before the next delivery. For
// each level it runs rounds of one measurement of each server, in
// alternating order, the stream purged before each. Nothing is asserted:
// the table is the result. Command ingestload (-mode rate) and bench/cost
// print it.
package throughput

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// Config is one run of the harness.
type Config struct {
	// Root is the module's root directory (where the samples are).
	Root string
	// Clients are the concurrency levels measured.
	Clients []int
	// Duration is how long each server is driven per level and round.
	Duration time.Duration
	// Warmup is driven once per server and level, before its rounds, and
	// not counted.
	Warmup time.Duration
	// Rounds repeats every measurement; the table shows medians.
	Rounds int
	// Progress, if set, receives a line per measurement.
	Progress io.Writer
}

// Cell is one measurement: a server at a concurrency level in one round.
type Cell struct {
	Server  string
	Clients int
	Round   int
	OK      int64 // 202 answers
	Other   int64 // any other answer or a transport error
	Elapsed time.Duration
	// CPU is the process's user and system time during the measurement:
	// server, JetStream and clients alike, as the same for both servers.
	CPU time.Duration
	// Allocs and Allocated are the process's heap allocations during the
	// measurement, in objects and bytes.
	Allocs, Allocated uint64
}

// CPUPerRequest is the process's CPU microseconds per 202 answer.
func (c Cell) CPUPerRequest() float64 {
	if c.OK == 0 {
		return 0
	}
	return float64(c.CPU.Microseconds()) / float64(c.OK)
}

// cpuTime is the process's user plus system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Rate is the 202 answers per second.
func (c Cell) Rate() float64 { return float64(c.OK) / c.Elapsed.Seconds() }

// token authenticates the deliveries to ingest.
const token = "load-harness-token"

// Server names.
const (
	ServerIngest  = "ingest"
	ServerMinimal = "minimal"
)

// target is a server under load.
type target struct {
	name string
	url  string
	stop func() error
}

// Run starts one embedded JetStream, ingest as production wires it and the
// minimal server, and drives both at every level, alternating which goes
// first, purging the review stream before each measurement so that both
// publish into the same state.
func Run(ctx context.Context, cfg Config) ([]Cell, error) {
	tmpl, err := loadTemplates(cfg.Root)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ingestload-rate-*")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	// Room for what the longest stretch between purges can publish (the
	// two warmups of a level) at tens of thousands of deliveries a
	// second: the default limits would answer 503. A file store reserves
	// its MaxBytes on disk, so it is not more than that.
	bundle, stopBroker, err := eventstest.New(broker.Options{DataDir: dir}, streams.Config{MaxMsgs: 5_000_000, MaxBytes: storeBytes(cfg)})
	if err != nil {
		return nil, err
	}
	defer stopBroker()

	// As the ingest process: the SDK tracer provider and propagator that
	// telemetry.Setup installs without an exporter, a text logger at info
	// (to /dev/null rather than a terminal), the flags' defaults.
	shutdownTracing, _, err := telemetry.Setup(ctx, telemetry.Options{ServiceName: "azreviewer-ingest", Getenv: func(string) string { return "" }})
	if err != nil {
		return nil, err
	}
	defer shutdownTracing(context.WithoutCancel(ctx)) //nolint:errcheck // nothing is exported
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	defer devNull.Close()
	log := slog.New(telemetry.LogHandler(slog.NewTextHandler(devNull, &slog.HandlerOptions{Level: slog.LevelInfo})))

	ing, err := startIngest(bundle, log)
	if err != nil {
		return nil, err
	}
	defer ing.stop() //nolint:errcheck // best effort at exit
	minimal, err := startMinimal(bundle, log)
	if err != nil {
		return nil, err
	}
	defer minimal.stop() //nolint:errcheck // best effort at exit

	var cells []Cell
	var seq atomic.Uint64
	for _, clients := range cfg.Clients {
		// Each server's clients keep their connections for the level:
		// warmed up once, then measured round after round.
		conns := map[string]*http.Client{}
		for _, t := range []target{ing, minimal} {
			conns[t.name] = newClient(clients)
			defer conns[t.name].CloseIdleConnections()
			if _, err := drive(ctx, conns[t.name], t.url, tmpl, clients, cfg.Warmup, &seq); err != nil {
				return cells, err
			}
		}
		for round := range cfg.Rounds {
			order := []target{ing, minimal}
			if round%2 == 1 {
				slices.Reverse(order)
			}
			for _, t := range order {
				if err := bundle.Stream.Purge(ctx); err != nil {
					return cells, fmt.Errorf("purge the review stream: %w", err)
				}
				var mem runtime.MemStats
				runtime.ReadMemStats(&mem)
				before, allocs, allocated := cpuTime(), mem.Mallocs, mem.TotalAlloc
				c, err := drive(ctx, conns[t.name], t.url, tmpl, clients, cfg.Duration, &seq)
				if err != nil {
					return cells, err
				}
				c.CPU = cpuTime() - before
				runtime.ReadMemStats(&mem)
				c.Allocs, c.Allocated = mem.Mallocs-allocs, mem.TotalAlloc-allocated
				c.Server, c.Round = t.name, round
				cells = append(cells, c)
				if cfg.Progress != nil {
					fmt.Fprintf(cfg.Progress, "%3d clients  round %d  %-8s %8.0f req/s  %6.1f µs CPU/req  %5.0f allocs/req  %6.0f B/req  (%d other)\n",
						clients, round+1, t.name, c.Rate(), c.CPUPerRequest(), float64(c.Allocs)/float64(max(c.OK, 1)), float64(c.Allocated)/float64(max(c.OK, 1)), c.Other)
				}
			}
		}
	}
	return cells, nil
}

// storeBytes is the review stream's MaxBytes for cfg: 200 MB a second
// (100,000 requests of 2 KiB) for twice the longer of a measurement and a
// warmup, at least 256 MiB and at most 8 GiB.
func storeBytes(cfg Config) int64 {
	b := int64(2 * max(cfg.Duration, cfg.Warmup).Seconds() * 100_000 * 2048)
	return min(max(b, 256<<20), 8<<30)
}

// startIngest serves ingest as the ingest command does: its flags'
// defaults with a webhook token, app.NewIngestHandler (otelhttp, routes,
// events.Publisher) and app.RunIngest's server, on its own NATS
// connection.
func startIngest(b *eventstest.Bundle, log *slog.Logger) (target, error) {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	cfg := app.RegisterIngest(fs)
	cfg.RegisterMetricsAddr(fs)
	if err := fs.Parse([]string{"--webhook-token", token, "--ingest-addr", "127.0.0.1:0"}); err != nil {
		return target{}, err
	}
	nc, js, err := connect(b)
	if err != nil {
		return target{}, err
	}
	ln, h, err := app.ListenIngest(cfg, fleet.Names{}, js, prometheus.NewRegistry(), log)
	if err != nil {
		nc.Close()
		return target{}, err
	}
	return serve(ServerIngest, "http://"+ln.Addr().String()+ingest.WebhookPath+"?token="+token, ln, h, log, nc.Close)
}

// connect opens a NATS connection of its own to b's server.
func connect(b *eventstest.Bundle) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := b.Server.Connect()
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// startMinimal serves the minimal handler on its own NATS connection.
func startMinimal(b *eventstest.Bundle, log *slog.Logger) (target, error) {
	nc, js, err := connect(b)
	if err != nil {
		return target{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		nc.Close()
		return target{}, err
	}
	return serve(ServerMinimal, "http://"+ln.Addr().String()+"/", ln, minimalHandler(js, fleet.Names{}), log, nc.Close)
}

// serve runs h on ln with app.Serve (the production http.Server) until
// stop is called.
func serve(name, url string, ln net.Listener, h http.Handler, log *slog.Logger, closeConn func()) (target, error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- app.Serve(ctx, ln, h, 5*time.Second, log) }()
	var once sync.Once
	var stopErr error
	return target{name: name, url: url, stop: func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
			closeConn()
		})
		return stopErr
	}}, nil
}

// newClient is an HTTP client of up to clients keep-alive connections.
func newClient(clients int) *http.Client {
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, IdleConnTimeout: time.Minute}
	return &http.Client{Transport: transport, Timeout: 30 * time.Second}
}

// drive posts deliveries to url from clients concurrent clients, each
// waiting for its answer before the next, for d.
func drive(ctx context.Context, client *http.Client, url string, tmpl []template, clients int, d time.Duration, seq *atomic.Uint64) (Cell, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var ok, other atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			var buf []byte
			for ctx.Err() == nil {
				n := seq.Add(1)
				buf = tmpl[n%uint64(len(tmpl))].body(buf[:0], n)
				status, err := post(ctx, client, url, buf)
				switch {
				case ctx.Err() != nil:
					return
				case err != nil:
					other.Add(1)
					firstErr.CompareAndSwap(nil, err)
				case status == http.StatusAccepted:
					ok.Add(1)
				default:
					other.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("answer %d", status))
				}
			}
		})
	}
	wg.Wait()
	c := Cell{Clients: clients, OK: ok.Load(), Other: other.Load(), Elapsed: time.Since(start)}
	if c.OK == 0 && c.Other > 0 {
		err, _ := firstErr.Load().(error)
		return c, fmt.Errorf("%s: no delivery accepted: %w", url, err)
	}
	// None answered at all: the machine stalled; the round is left out of
	// the ratios.
	return c, nil
}

func post(ctx context.Context, client *http.Client, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
