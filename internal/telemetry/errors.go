package telemetry

import (
	"log/slog"

	"go.opentelemetry.io/otel"
)

// RouteErrors sends OpenTelemetry's own errors (a trace export that failed,
// an exporter that cannot connect) to log at warning level, in the
// process's log format, instead of the plain text the SDK prints by default.
// It sets the OpenTelemetry global error handler.
func RouteErrors(log *slog.Logger) {
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("telemetry: OpenTelemetry reported an error; traces may be missing", "error", err)
	}))
}
