// Package apptest runs azreviewer's processes in a test the way production
// wires them: a real embedded JetStream, the ingest handler served over
// HTTP on loopback, and a worker reviewing against an Azure DevOps
// simulator through the real SDK.
package apptest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Options configures a fleet. OrgURL and PAT (or Credential) are required.
type Options struct {
	OrgURL, PAT string
	// Credential, if set, is the worker's credential in place of PAT.
	Credential azdo.Credential
	// Hook is the webhook authentication. Default: a token.
	Hook *app.Ingest
	// Log receives every process's logs. Default: discarded.
	Log *slog.Logger
	// SweepInterval turns the worker's recovery sweep on.
	SweepInterval time.Duration
	// Fleet names the fleet (FLEET_NAME). Default: the default fleet.
	Fleet fleet.Names
	// On, if set, is a server another fleet already runs on: this fleet is
	// provisioned beside it. Default: a server of its own.
	On *eventstest.Bundle
}

// Fleet is a running ingest and worker.
type Fleet struct {
	// WebhookURL is the ingest endpoint, without ?token=.
	WebhookURL string
	Hook       *app.Ingest
	Streams    *eventstest.Bundle
	Registry   *prometheus.Registry
}

// Start starts the fleet and stops it, checking the worker shut down
// cleanly, when the test ends.
func Start(t testing.TB, opts Options) *Fleet {
	t.Helper()
	if opts.Hook == nil {
		opts.Hook = &app.Ingest{Token: "apptest-token-5b2f0c"}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	cfg := streams.Config{Memory: true, Fleet: opts.Fleet}
	var b *eventstest.Bundle
	if opts.On != nil {
		b = opts.On.Fleet(t, cfg)
	} else {
		b = eventstest.Start(t, cfg)
	}
	reg := prometheus.NewRegistry()
	h, err := app.NewIngestHandler(opts.Hook, opts.Fleet, b.JS, reg, opts.Log)
	if err != nil {
		t.Fatalf("apptest: ingest handler: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.RunWorker(ctx, &app.Common{Stream: cfg},
			&app.Worker{AzureDevOps: app.AzureDevOps{OrgURL: opts.OrgURL, PAT: opts.PAT, Credential: opts.Credential}, Concurrency: 2,
				ReviewTimeout: 30 * time.Second, ShutdownGrace: 5 * time.Second, SweepInterval: opts.SweepInterval},
			app.WorkerDeps{JS: b.JS, Stream: b.Stream, Registry: reg, Log: opts.Log})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("apptest: worker: %v", err)
		}
	})
	return &Fleet{WebhookURL: srv.URL + ingest.WebhookPath, Hook: opts.Hook, Streams: b, Registry: reg}
}
