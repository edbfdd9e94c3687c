package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
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
