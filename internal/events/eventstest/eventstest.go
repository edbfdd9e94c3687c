// Package eventstest starts a real, embedded JetStream server for tests, so
// every package exercises the same broker the product runs.
package eventstest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Bundle is a started server with a client connection and one fleet's
// resources provisioned (package provision): the review stream, its
// consumer, the dead-letter stream and the coordination buckets.
type Bundle struct {
	Server   *broker.Server
	Conn     *nats.Conn
	JS       jetstream.JetStream
	Stream   jetstream.Stream
	Consumer jetstream.Consumer
	// DeadLetters is the dead-letter stream.
	DeadLetters jetstream.Stream
	// Config is what the fleet's resources were provisioned with.
	Config streams.Config
}

// Start starts an embedded JetStream server on a random loopback port with
// its store in t.TempDir(), provisions the streams and consumer with cfg, and
// stops everything when the test ends.
func Start(t testing.TB, cfg streams.Config) *Bundle {
	t.Helper()
	return StartServer(t, broker.Options{}, cfg)
}

// StartServer is [Start] with the server's options (its DataDir is always
// t.TempDir()).
func StartServer(t testing.TB, opts broker.Options, cfg streams.Config) *Bundle {
	t.Helper()
	opts.DataDir = t.TempDir()
	b, stop, err := New(opts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return b
}

// New starts an embedded JetStream server with opts (opts.DataDir is
// required), connects and provisions the streams and the consumer with cfg,
// for an Example that has no testing.TB; stop closes the connection and
// shuts the server down.
func New(opts broker.Options, cfg streams.Config) (b *Bundle, stop func(), err error) {
	srv, err := broker.Start(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("start embedded NATS: %w", err)
	}
	nc, err := srv.Connect()
	if err != nil {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	stop = func() { nc.Close(); srv.Shutdown() }
	js, err := jetstream.New(nc)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	b, err = provisionFleet(srv, nc, js, cfg)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return b, stop, nil
}

// Fleet provisions the resources of another fleet (cfg.Fleet) on b's
// server and returns its bundle, sharing b's server and connection.
func (b *Bundle) Fleet(t testing.TB, cfg streams.Config) *Bundle {
	t.Helper()
	other, err := provisionFleet(b.Server, b.Conn, b.JS, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return other
}

// provisionFleet provisions cfg's fleet, as "worker provision" does, and
// opens its streams and consumer.
func provisionFleet(srv *broker.Server, nc *nats.Conn, js jetstream.JetStream, cfg streams.Config) (*Bundle, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := provision.Apply(ctx, js, provision.Config{Stream: cfg}); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	b := &Bundle{Server: srv, Conn: nc, JS: js, Config: cfg}
	var err error
	if b.Stream, err = js.Stream(ctx, cfg.Fleet.ReviewStream()); err != nil {
		return nil, err
	}
	if b.Consumer, err = b.Stream.Consumer(ctx, cfg.Fleet.Consumer()); err != nil {
		return nil, err
	}
	if b.DeadLetters, err = js.Stream(ctx, cfg.Fleet.DeadLetterStream()); err != nil {
		return nil, err
	}
	return b, nil
}

// WaitMessages waits, at most 30 s (a bound for a loaded machine under
// -race, not a measure), until st holds want messages: acks and terms are
// applied by the server asynchronously. It fails the test if they never
// do.
func WaitMessages(t testing.TB, st jetstream.Stream, want uint64) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var got uint64
	for {
		if info, err := st.Info(context.Background()); err == nil {
			got = info.State.Msgs
			if got == want {
				return
			}
		}
		select {
		case <-deadline:
			t.Fatalf("stream %s holds %d messages, want %d", st.CachedInfo().Config.Name, got, want)
		case <-tick.C:
		}
	}
}

// ConsumeUntil runs events.Consume on the bundle's consumer until done is
// closed, or fails the test after a minute (a bound for a loaded machine
// under -race), then stops it and waits for it to return.
func (b *Bundle) ConsumeUntil(t testing.TB, cfg events.ConsumeConfig, done <-chan struct{}, h events.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan error, 1)
	go func() { finished <- events.Consume(ctx, b.Consumer, cfg, h) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Error("timed out waiting for messages")
	}
	cancel()
	if err := <-finished; err != nil {
		t.Errorf("consume: %v", err)
	}
}

// Failure is a handler's error that says its kind and what to fix, as
// azdo.Error does: what a dead letter records besides the message.
type Failure struct{ Message, Kind, Fix string }

func (f Failure) Error() string     { return f.Message }
func (f Failure) Class() string     { return f.Kind }
func (f Failure) Diagnosis() string { return f.Fix }

// ConsumeSettled runs events.Consume on the bundle's consumer until n
// messages were settled (cfg.OnSettled, if set, still sees each one), or
// fails the test after a minute.
func (b *Bundle) ConsumeSettled(t testing.TB, cfg events.ConsumeConfig, n int, h events.Handler) {
	t.Helper()
	var settled sync.WaitGroup
	settled.Add(n)
	done := make(chan struct{})
	go func() { settled.Wait(); close(done) }()
	next := cfg.OnSettled
	cfg.OnSettled = func(s events.Settlement, err error, took time.Duration) {
		if next != nil {
			next(s, err, took)
		}
		settled.Done()
	}
	b.ConsumeUntil(t, cfg, done, h)
}

// Request is a valid review request for pull request pr of repository
// "repo-1" at commit.
func Request(pr int, commit string) *events.ReviewRequest {
	return &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerUpdated, EventID: "ev",
		ProjectID: "p", RepositoryID: "repo-1", PullRequestID: pr, SourceCommit: commit,
	}
}
