package telemetry_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"

	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// TestRouteErrors: an OpenTelemetry error (an export that failed) is a
// warning in the process's log format, here JSON. Not parallel: it sets the
// global error handler.
func TestRouteErrors(t *testing.T) {
	var logs bytes.Buffer
	telemetry.RouteErrors(slog.New(slog.NewJSONHandler(&logs, nil)))
	t.Cleanup(func() { telemetry.RouteErrors(slog.New(slog.DiscardHandler)) })
	otel.Handle(errors.New("traces export: context deadline exceeded"))
	var line map[string]any
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line), logs.String())
	require.Equal(t, "WARN", line["level"])
	require.Equal(t, "traces export: context deadline exceeded", line["error"])
}
