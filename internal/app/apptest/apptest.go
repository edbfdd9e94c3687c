// Package apptest runs azreviewer's processes in a test the way production
// wires them: a real embedded JetStream, the ingest handler served over
// HTTP on loopback, and a worker reviewing against an Azure DevOps
// simulator through the real SDK.
package apptest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Options configures a fleet: OrgURL and PAT (or Credential), or OrgsFile,
// are required.
type Options struct {
	OrgURL, PAT string
	// Credential, if set, is the worker's credential in place of PAT.
	Credential azdo.Credential
	// CredentialOptions, if set, builds the organisations file's
	// credentials (app.AzureDevOps.CredentialOptions).
	CredentialOptions *credential.Options
	// OrgsFile is the organisations file (AZDO_ORGS_FILE) of the worker
	// and, unless Hook names one, of ingest.
	OrgsFile string
	// Reload, OnReload, OrgsFilePoll and Transport are the worker's
	// (app.WorkerDeps); after a reload the worker accepts, ingest reloads
	// the file too, as in the all-in-one.
	Reload       <-chan struct{}
	OnReload     func(error)
	OrgsFilePoll time.Duration
	Transport    http.RoundTripper
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
	if opts.OrgsFile != "" && opts.Hook.OrgsFile == "" && opts.Hook.OrgURL == "" {
		opts.Hook.OrgsFile = opts.OrgsFile
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
			&app.Worker{AzureDevOps: app.AzureDevOps{OrgURL: opts.OrgURL, PAT: opts.PAT, Credential: opts.Credential, CredentialOptions: opts.CredentialOptions, OrgsFile: opts.OrgsFile}, Concurrency: 2,
				ReviewTimeout: 30 * time.Second, ShutdownGrace: 5 * time.Second, SweepInterval: opts.SweepInterval},
			app.WorkerDeps{JS: b.JS, Stream: b.Stream, Registry: reg, Log: opts.Log, Transport: opts.Transport,
				Reload: opts.Reload, OrgsFilePoll: opts.OrgsFilePoll, OnReload: func(err error) {
					if err == nil {
						opts.Hook.ReloadOrganisations(ctx, opts.Log)
					}
					if opts.OnReload != nil {
						opts.OnReload(err)
					}
				}})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("apptest: worker: %v", err)
		}
	})
	return &Fleet{WebhookURL: srv.URL + ingest.WebhookPath, Hook: opts.Hook, Streams: b, Registry: reg}
}
