// Package eventstest starts a real, embedded JetStream server for tests, so
// every package exercises the same broker the product runs.
package eventstest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/events"
)

// Bundle is a started server with a client connection and the review
// stream, its consumer and the dead-letter stream provisioned.
type Bundle struct {
	Server   *broker.Server
	Conn     *nats.Conn
	JS       jetstream.JetStream
	Stream   jetstream.Stream
	Consumer jetstream.Consumer
	// DeadLetters is the dead-letter stream.
	DeadLetters jetstream.Stream
}

// Start starts an embedded JetStream server on a random loopback port with
// its store in t.TempDir(), provisions the streams and consumer with cfg, and
// stops everything when the test ends.
func Start(t testing.TB, cfg events.StreamConfig) *Bundle {
	t.Helper()
	return StartServer(t, broker.Options{}, cfg)
}

// StartServer is [Start] with the server's options (its DataDir is always
// t.TempDir()).
func StartServer(t testing.TB, opts broker.Options, cfg events.StreamConfig) *Bundle {
	t.Helper()
	opts.DataDir = t.TempDir()
	srv, err := broker.Start(opts)
	if err != nil {
		t.Fatalf("start embedded NATS: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := events.EnsureStream(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := events.EnsureConsumer(ctx, st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dl, err := events.EnsureDeadLetterStream(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &Bundle{Server: srv, Conn: nc, JS: js, Stream: st, Consumer: cons, DeadLetters: dl}
}
