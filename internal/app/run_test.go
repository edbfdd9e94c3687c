package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestRunWorkerStoppedWhileStarting: a shutdown asked for before the worker
// has started (its context already ended) is a clean stop, not a failure.
func TestRunWorkerStoppedWhileStarting(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := app.RunWorker(ctx, &app.Common{Stream: streams.Config{Memory: true}},
		&app.Worker{AzureDevOps: app.AzureDevOps{OrgURL: "http://127.0.0.1:9/org", PAT: "unused-pat-value"}, Concurrency: 1,
			ReviewTimeout: time.Minute, ShutdownGrace: time.Second},
		app.WorkerDeps{JS: b.JS, Stream: b.Stream, Registry: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
}

// TestWorkerTimingDefaults: the consumer's ack wait and the lease bucket's
// TTL that provisioning sets up from the flags a worker would start with.
// Unset, both are 10 s, so a killed worker's reviews start again within
// about 10 s; the lease TTL follows ACK_WAIT unless LEASE_TTL is set; and
// the worker then starts against what was provisioned.
func TestWorkerTimingDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		args         []string
		wantAckWait  time.Duration
		wantLeaseTTL time.Duration
	}{
		{name: "defaults", wantAckWait: 10 * time.Second, wantLeaseTTL: 10 * time.Second},
		{name: "lease follows ack wait", args: []string{"--ack-wait", "4s"}, wantAckWait: 4 * time.Second, wantLeaseTTL: 4 * time.Second},
		{name: "both set", args: []string{"--ack-wait", "4s", "--lease-ttl", "6s"}, wantAckWait: 4 * time.Second, wantLeaseTTL: 6 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, err := broker.Start(broker.Options{DataDir: t.TempDir()})
			require.NoError(t, err)
			t.Cleanup(srv.Shutdown)
			nc, err := srv.Connect()
			require.NoError(t, err)
			t.Cleanup(nc.Close)
			js, err := jetstream.New(nc)
			require.NoError(t, err)
			c, wc, err := apptest.WorkerFlags(append([]string{"--azdo-org-url", "http://127.0.0.1:9/org", "--azdo-pat", "unused-pat-value"}, tt.args...)...)
			require.NoError(t, err)
			c.Stream.Memory = true
			_, err = app.ProvisionFleet(t.Context(), js, c, slog.New(slog.DiscardHandler))
			require.NoError(t, err)
			_, err = app.NewWorkerLoop(t.Context(), c, wc, app.WorkerDeps{JS: js, Log: slog.New(slog.DiscardHandler)})
			require.NoError(t, err)

			st, err := js.Stream(t.Context(), fleet.Names{}.ReviewStream())
			require.NoError(t, err)
			cons, err := st.Consumer(t.Context(), fleet.Names{}.Consumer())
			require.NoError(t, err)
			require.Equal(t, tt.wantAckWait, cons.CachedInfo().Config.AckWait, "consumer ack wait")
			kv, err := js.KeyValue(t.Context(), fleet.Names{}.LeaseBucket())
			require.NoError(t, err)
			status, err := kv.Status(t.Context())
			require.NoError(t, err)
			require.Equal(t, tt.wantLeaseTTL, status.TTL(), "lease bucket TTL")
		})
	}
}

// TestWorkerTimingMistakes: an ack wait or lease TTL too short for its
// heartbeat or refresh, or a heartbeat or refresh not inside what it keeps
// alive, is a configuration error naming the setting — for a worker, and
// for `worker provision` before it connects.
func TestWorkerTimingMistakes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		deps    app.WorkerDeps
		wantErr string
	}{
		{name: "ack wait under a second", args: []string{"--ack-wait", "500ms"}, wantErr: "ACK_WAIT / --ack-wait: ack wait too short: 500ms"},
		{name: "negative ack wait", args: []string{"--ack-wait", "-5s"}, wantErr: "ACK_WAIT / --ack-wait: ack wait too short: -5s"},
		{name: "lease ttl under a second", args: []string{"--lease-ttl", "300ms"}, wantErr: "LEASE_TTL / --lease-ttl 300ms is too short"},
		{name: "heartbeat not inside the ack wait", args: []string{"--ack-wait", "2s"}, deps: app.WorkerDeps{Heartbeat: 2 * time.Second},
			wantErr: "the heartbeat (2s) must be positive and shorter than ACK_WAIT (2s)"},
		{name: "refresh not inside the lease", args: []string{"--lease-ttl", "3s"}, deps: app.WorkerDeps{LeaseRefresh: 4 * time.Second},
			wantErr: "the lease refresh (4s) must be positive and shorter than LEASE_TTL (3s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := eventstest.Start(t, streams.Config{Memory: true})
			c, wc, err := apptest.WorkerFlags(append([]string{"--azdo-org-url", "http://127.0.0.1:9/org", "--azdo-pat", "unused-pat-value"}, tt.args...)...)
			require.NoError(t, err)
			c.Stream.Memory = true
			d := tt.deps
			d.JS, d.Stream, d.Log = b.JS, b.Stream, slog.New(slog.DiscardHandler)
			_, err = app.NewWorkerLoop(t.Context(), c, wc, d)
			require.ErrorIs(t, err, app.ErrUsage)
			require.ErrorContains(t, err, tt.wantErr)
			if tt.deps.Heartbeat == 0 && tt.deps.LeaseRefresh == 0 {
				// No NATS listens there: a refusal before connecting is the
				// only way to answer with a usage error.
				err = app.ProvisionMain(t.Context(), "worker provision", append([]string{"--nats-url", "nats://127.0.0.1:9", "--log-level", "error"}, tt.args...), io.Discard, io.Discard)
				require.ErrorIs(t, err, app.ErrUsage)
				require.ErrorContains(t, err, tt.wantErr)
			}
		})
	}
}
