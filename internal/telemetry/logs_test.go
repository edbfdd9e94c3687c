package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// A line logged inside a span names its trace and span; one logged
// without a span, or without a context, names none.
func TestLogHandlerAddsTraceIDs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "worker")
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(context.Background(), "review")
	defer span.End()

	log.InfoContext(ctx, "inside")
	log.InfoContext(context.Background(), "outside")
	log.Info("no context")

	var lines []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		lines = append(lines, m)
	}
	require.Len(t, lines, 3)
	require.Equal(t, span.SpanContext().TraceID().String(), lines[0]["trace_id"])
	require.Equal(t, span.SpanContext().SpanID().String(), lines[0]["span_id"])
	require.Equal(t, "worker", lines[0]["component"])
	for _, l := range lines[1:] {
		require.NotContains(t, l, "trace_id", "%v", l["msg"])
		require.NotContains(t, l, "span_id", "%v", l["msg"])
	}
}
