// Package telemetry sets up OpenTelemetry tracing from the standard OTEL_*
// environment variables. With no exporter endpoint configured nothing is
// exported, and that is not an error.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Options adds to what the environment configures.
type Options struct {
	// ServiceName is used when OTEL_SERVICE_NAME is not set.
	ServiceName string
	// Processors receive every span besides the exporter (the demo prints
	// traces this way).
	Processors []sdktrace.SpanProcessor
	// Getenv reads the environment. Default os.Getenv.
	Getenv func(string) string
}

// Setup installs the global tracer provider and the W3C trace-context
// propagator. The exporter follows OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT and
// OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL ("http/protobuf", the default, or
// "grpc"); sampling follows OTEL_TRACES_SAMPLER. The returned function
// flushes and stops tracing. exporting reports whether an exporter is set.
func Setup(ctx context.Context, opts Options) (shutdown func(context.Context) error, exporting bool, err error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	res, err := resource.Merge(
		resource.NewSchemaless(semconv.ServiceName(opts.ServiceName)),
		resource.Environment(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil {
		return nil, false, fmt.Errorf("telemetry resource: %w", err)
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	for _, p := range opts.Processors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(p))
	}

	endpoint := firstSet(getenv, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
	if endpoint != "" && !strings.EqualFold(getenv("OTEL_TRACES_EXPORTER"), "none") {
		var exp sdktrace.SpanExporter
		switch protocol := firstSet(getenv, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"); protocol {
		case "", "http/protobuf":
			exp, err = otlptracehttp.New(ctx)
		case "grpc":
			exp, err = otlptracegrpc.New(ctx)
		default:
			return nil, false, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q is not supported: use http/protobuf or grpc", protocol)
		}
		if err != nil {
			return nil, false, fmt.Errorf("OTLP trace exporter: %w", err)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
		exporting = true
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)
	otel.SetTracerProvider(tp)
	return func(ctx context.Context) error {
		return errors.Join(tp.ForceFlush(ctx), tp.Shutdown(ctx))
	}, exporting, nil
}

func firstSet(getenv func(string) string, keys ...string) string {
	for _, k := range keys {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}
