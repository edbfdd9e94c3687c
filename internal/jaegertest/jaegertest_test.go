package jaegertest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/azreviewer/azreviewer/internal/jaegertest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const waitFor = 30 * time.Second // bound on every wait for spans

// TestExportAndFind sends one three-span trace over each OTLP transport with
// the real SDK and reads both back by service, by tag and by trace ID.
func TestExportAndFind(t *testing.T) {
	j := jaegertest.Start(t)
	ctx := t.Context()

	exporters := []struct {
		transport string
		service   string
		newExp    func(context.Context) (sdktrace.SpanExporter, error)
	}{
		{"http", "jaegertest-otlp-http", func(ctx context.Context) (sdktrace.SpanExporter, error) {
			return otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(j.OTLPHTTPEndpoint+"/v1/traces"))
		}},
		{"grpc", "jaegertest-otlp-grpc", func(ctx context.Context) (sdktrace.SpanExporter, error) {
			return otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPGRPCEndpoint), otlptracegrpc.WithInsecure())
		}},
	}
	sent := map[string]trace.SpanContext{} // transport → root span
	for _, e := range exporters {
		exp, err := e.newExp(ctx)
		require.NoError(t, err)
		tp := sdktrace.NewTracerProvider(
			sdktrace.WithBatcher(exp),
			sdktrace.WithResource(resource.NewWithAttributes(semconv.SchemaURL,
				semconv.ServiceName(e.service), semconv.ServiceVersion("test"))),
		)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			assert.NoError(t, tp.Shutdown(ctx))
		})
		tracer := tp.Tracer("jaegertest_test")

		rctx, root := tracer.Start(ctx, "review", trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("transport", e.transport), attribute.Int("pr.id", 42)))
		cctx, child := tracer.Start(rctx, "post-comment", trace.WithSpanKind(trace.SpanKindProducer),
			trace.WithAttributes(attribute.Bool("dry_run", true), attribute.Float64("score", 0.5)))
		child.AddEvent("comment posted", trace.WithAttributes(attribute.String("thread", "t1")))
		child.SetStatus(codes.Error, "boom")
		// A consumer span that is a child of the producer span and also
		// links to it: Jaeger reports that parent as FOLLOWS_FROM.
		_, grandchild := tracer.Start(cctx, "process", trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithLinks(trace.Link{SpanContext: child.SpanContext()}))
		grandchild.End()
		child.End()
		root.End()
		sent[e.transport] = root.SpanContext()

		require.NoError(t, tp.ForceFlush(ctx), "flushing to OTLP/%s", e.transport)
	}

	for _, e := range exporters {
		t.Run(e.transport, func(t *testing.T) {
			want := sent[e.transport].TraceID().String()

			byService, err := j.FindTraces(ctx, e.service, nil, 1, waitFor)
			require.NoError(t, err)
			require.Len(t, byService, 1)
			assert.Equal(t, want, byService[0].TraceID)

			// A tag on the root span, a tag on the child span, an int
			// attribute (Jaeger compares values as strings), and a resource
			// attribute.
			for _, tags := range []map[string]string{
				{"transport": e.transport},
				{"dry_run": "true"},
				{"pr.id": "42", "transport": e.transport},
				{"service.version": "test"},
			} {
				byTag, err := j.FindTraces(ctx, e.service, tags, 1, waitFor)
				require.NoError(t, err, "tags %v", tags)
				require.Len(t, byTag, 1, "tags %v", tags)
				assert.Equal(t, want, byTag[0].TraceID, "tags %v", tags)
			}
			// No match: want=0 queries once and returns no trace.
			none, err := j.FindTraces(ctx, e.service, map[string]string{"transport": "smoke-signals"}, 0, waitFor)
			require.NoError(t, err)
			assert.Empty(t, none)

			tr, err := j.Trace(ctx, want)
			require.NoError(t, err)
			assertTree(t, tr, e.service, sent[e.transport])
		})
	}

	t.Run("errors", func(t *testing.T) {
		_, err := j.Trace(ctx, "0123456789abcdef0123456789abcdef")
		assert.ErrorIs(t, err, jaegertest.ErrNotFound)

		start := time.Now()
		got, err := j.FindTraces(ctx, "no-such-service", nil, 1, 300*time.Millisecond)
		assert.Empty(t, got)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "jaegertest-otlp-http", "the error lists the known services")
		assert.Less(t, time.Since(start), 5*time.Second)

		// The caller's context bounds the wait too.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = j.FindTraces(cctx, "no-such-service", nil, 1, waitFor)
		assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	})
}

// assertTree checks the review → post-comment → process trace as Jaeger
// returns it.
func assertTree(t *testing.T, tr jaegertest.Trace, service string, root trace.SpanContext) {
	t.Helper()
	require.Len(t, tr.Spans, 3)
	assert.Equal(t, root.TraceID().String(), tr.TraceID)

	parent, ok := tr.SpanNamed("review")
	require.True(t, ok)
	child, ok := tr.SpanNamed("post-comment")
	require.True(t, ok)

	assert.Equal(t, root.SpanID().String(), parent.SpanID)
	assert.Empty(t, parent.ParentSpanID, "root span")
	assert.Equal(t, parent.SpanID, child.ParentSpanID, "child of the root")
	assert.Equal(t, []jaegertest.Span{child}, tr.Children(parent.SpanID))
	grandchild, ok := tr.SpanNamed("process")
	require.True(t, ok)
	assert.Equal(t, []jaegertest.Span{grandchild}, tr.Children(child.SpanID))
	assert.Empty(t, tr.Children(grandchild.SpanID))
	assert.Equal(t, []jaegertest.SpanRef{{TraceID: tr.TraceID, SpanID: child.SpanID}}, grandchild.Links)
	assert.Empty(t, parent.Links)
	assert.Empty(t, child.Links)

	for _, s := range tr.Spans {
		assert.Equal(t, tr.TraceID, s.TraceID)
		assert.Equal(t, service, s.ServiceName)
		assert.Equal(t, "test", s.Resource["service.version"])
		assert.False(t, s.StartTime.IsZero())
	}
	assert.Equal(t, "server", parent.Tags["span.kind"])
	assert.Equal(t, int64(42), parent.Tags["pr.id"])
	assert.Equal(t, "producer", child.Tags["span.kind"])
	assert.Equal(t, "consumer", grandchild.Tags["span.kind"])
	assert.Equal(t, true, child.Tags["dry_run"])
	assert.Equal(t, 0.5, child.Tags["score"])
	assert.Equal(t, "ERROR", child.Tags["otel.status_code"])
	assert.Equal(t, "boom", child.Tags["otel.status_description"])
	assert.Equal(t, true, child.Tags["error"])
	assert.Equal(t, "jaegertest_test", child.Tags["otel.scope.name"])
	assert.False(t, child.StartTime.Before(parent.StartTime))
	assert.LessOrEqual(t, child.Duration, parent.Duration)

	require.Len(t, child.Logs, 1)
	assert.Equal(t, "comment posted", child.Logs[0].Fields["event"])
	assert.Equal(t, "t1", child.Logs[0].Fields["thread"])
	assert.False(t, child.Logs[0].Time.IsZero())
}
