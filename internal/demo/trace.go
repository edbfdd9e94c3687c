package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Recorder keeps the spans of the demo's process so the demo can print the
// review's trace. It is a span processor; register it with the tracer
// provider.
type Recorder struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

var _ sdktrace.SpanProcessor = (*Recorder)(nil)

// OnStart implements sdktrace.SpanProcessor.
func (r *Recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps the ended span.
func (r *Recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = append(r.spans, s)
}

// Shutdown implements sdktrace.SpanProcessor.
func (r *Recorder) Shutdown(context.Context) error { return nil }

// ForceFlush implements sdktrace.SpanProcessor.
func (r *Recorder) ForceFlush(context.Context) error { return nil }

// Spans returns the spans ended so far.
func (r *Recorder) Spans() []sdktrace.ReadOnlySpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.spans)
}

// WaitForSpan waits until a span whose name starts with prefix has ended,
// or ctx is done.
func (r *Recorder) WaitForSpan(ctx context.Context, prefix string) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, s := range r.Spans() {
			if strings.HasPrefix(s.Name(), prefix) {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// PrintTrace writes the trace that contains a span named root as an
// indented tree: name, duration, and the attributes an operator reads
// first.
func PrintTrace(w io.Writer, spans []sdktrace.ReadOnlySpan, root string) {
	var traceID trace.TraceID
	for _, s := range spans {
		if s.Name() == root {
			traceID = s.SpanContext().TraceID()
			break
		}
	}
	if !traceID.IsValid() {
		fmt.Fprintf(w, "no trace with a span %q was recorded\n", root)
		return
	}
	children := map[trace.SpanID][]sdktrace.ReadOnlySpan{}
	byID := map[trace.SpanID]bool{}
	var in []sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.SpanContext().TraceID() == traceID {
			in = append(in, s)
			byID[s.SpanContext().SpanID()] = true
		}
	}
	slices.SortFunc(in, func(a, b sdktrace.ReadOnlySpan) int { return a.StartTime().Compare(b.StartTime()) })
	var roots []sdktrace.ReadOnlySpan
	for _, s := range in {
		if p := s.Parent().SpanID(); p.IsValid() && byID[p] {
			children[p] = append(children[p], s)
		} else {
			roots = append(roots, s)
		}
	}
	fmt.Fprintf(w, "trace %s (%d spans)\n", traceID, len(in))
	var walk func(s sdktrace.ReadOnlySpan, depth int)
	walk = func(s sdktrace.ReadOnlySpan, depth int) {
		status := ""
		if s.Status().Code == codes.Error {
			status = "  ERROR"
		}
		fmt.Fprintf(w, "%s%-*s %8s%s%s\n", strings.Repeat("  ", depth), 52-2*depth, s.Name(),
			s.EndTime().Sub(s.StartTime()).Round(100*time.Microsecond), status, keyAttributes(s.Attributes()))
		for _, c := range children[s.SpanContext().SpanID()] {
			walk(c, depth+1)
		}
	}
	for _, s := range roots {
		walk(s, 1)
	}
}

func keyAttributes(attrs []attribute.KeyValue) string {
	var parts []string
	for _, kv := range attrs {
		switch kv.Key {
		case "http.response.status_code", "azreviewer.outcome", "azreviewer.findings",
			"azreviewer.threads_posted", "azreviewer.ingest.outcome", "azreviewer.settlement",
			"azreviewer.write.outcome", "error.type":
			parts = append(parts, fmt.Sprintf("%s=%s", kv.Key, kv.Value.String()))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "  " + strings.Join(parts, " ")
}
