package app_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestWorkerMistakesNameWhatToSet: worker.Config's mistakes name the field
// only; the worker command names the flag and the environment variable an
// operator sets.
func TestWorkerMistakesNameWhatToSet(t *testing.T) {
	t.Parallel()
	err := worker.Config{MaxThreads: -1, CommentAllowedHosts: []string{"a b"}}.Validate()
	require.Error(t, err)
	for _, env := range []string{"AZDO_ORG_URL", "MAX_THREADS", "COMMENT_ALLOWED_HOSTS"} {
		require.NotContains(t, err.Error(), env, "the library names no environment variable")
	}
	var se *worker.SettingError
	require.ErrorAs(t, err, &se)

	b := eventstest.Start(t, streams.Config{Memory: true})
	c, wc, err := apptest.WorkerFlags("--azdo-org-url", "http://127.0.0.1:1/org", "--azdo-pat", "pat",
		"--max-threads", "-1", "--comment-allowed-hosts", "a b", "--blocking-severity", "urgent", "--llm-budget-window", "-1m")
	require.NoError(t, err)
	c.Stream = streams.Config{Memory: true}
	_, err = app.NewWorkerLoop(context.Background(), c, wc, app.WorkerDeps{JS: b.JS, Stream: b.Stream})
	require.ErrorIs(t, err, app.ErrUsage)
	for _, want := range []string{
		"--max-threads / MAX_THREADS: max threads must not be negative",
		"--comment-allowed-hosts / COMMENT_ALLOWED_HOSTS: ",
		`--blocking-severity / BLOCKING_SEVERITY: blocking severity "urgent" is not one of info, warning, error`,
		"--llm-budget-window / LLM_BUDGET_WINDOW: LLM budget window must not be negative",
	} {
		require.ErrorContains(t, err, want)
	}
}

// TestIngestMistakesNameWhatToSet: the ingest command names the flags and
// variables of ingest.Config's mistakes.
func TestIngestMistakesNameWhatToSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     app.Ingest
		wantErr string
	}{
		{"nothing configured", app.Ingest{}, "no webhook authentication configured: set WEBHOOK_BASIC_USER and WEBHOOK_BASIC_PASSWORD and/or WEBHOOK_TOKEN, or pass --insecure-no-auth"},
		{"user without password", app.Ingest{BasicUser: "u", Token: "t"}, "--webhook-basic-password / WEBHOOK_BASIC_PASSWORD: not set"},
		{"in-flight budget below the body limit", app.Ingest{Token: "t", MaxInFlightBytes: 1 << 20}, "--ingest-max-in-flight-bytes / INGEST_MAX_IN_FLIGHT_BYTES: must be at least the body limit"},
		{"negative body timeout", app.Ingest{Token: "t", BodyTimeout: -1}, "--ingest-body-timeout / INGEST_BODY_TIMEOUT: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := app.NewIngestHandler(&tt.cfg, fleet.Names{}, nil, nil, slog.New(slog.DiscardHandler))
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
