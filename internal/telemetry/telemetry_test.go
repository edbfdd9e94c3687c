package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"

	"github.com/azreviewer/azreviewer/internal/telemetry"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestSetupExportsOverOTLPHTTP(t *testing.T) {
	var exports atomic.Int32
	var path atomic.Value
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		path.Store(r.URL.Path)
		exports.Add(1)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)

	shutdown, exporting, err := telemetry.Setup(context.Background(), telemetry.Options{
		ServiceName: "azreviewer-test",
		Getenv:      env(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}),
	})
	require.NoError(t, err)
	require.True(t, exporting)
	_, span := otel.Tracer("test").Start(context.Background(), "work")
	span.End()
	require.NoError(t, shutdown(context.Background()))
	require.Positive(t, exports.Load(), "spans reached the collector")
	require.Equal(t, "/v1/traces", path.Load())
}

func TestSetupWithoutEndpointExportsNothing(t *testing.T) {
	shutdown, exporting, err := telemetry.Setup(context.Background(), telemetry.Options{ServiceName: "x", Getenv: env(nil)})
	require.NoError(t, err)
	require.False(t, exporting)
	require.NoError(t, shutdown(context.Background()))
}

func TestSetupRejectsUnknownProtocol(t *testing.T) {
	_, _, err := telemetry.Setup(context.Background(), telemetry.Options{Getenv: env(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
	})})
	require.ErrorContains(t, err, "http/json")
}
