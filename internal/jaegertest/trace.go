package jaegertest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// ErrNotFound is returned (wrapped) by [Jaeger.Trace] for a trace Jaeger
// does not have.
var ErrNotFound = errors.New("jaegertest: trace not found")

// Trace is one trace as Jaeger stores it.
type Trace struct {
	TraceID string // 32 lowercase hex digits
	Spans   []Span // by start time, then span ID
}

// Span is one span of a [Trace], converted by Jaeger from OTLP.
type Span struct {
	TraceID string
	SpanID  string // 16 lowercase hex digits
	// ParentSpanID is the span's parent, "" for a root span. It is taken
	// as the Jaeger UI does, from the first reference if that points into
	// the same trace: Jaeger turns the CHILD_OF reference into FOLLOWS_FROM
	// when the span also links to its parent (as a messaging "process" span
	// may), so the type of the reference cannot be relied on.
	ParentSpanID  string
	OperationName string // the OTel span name
	ServiceName   string // the service.name resource attribute
	StartTime     time.Time
	Duration      time.Duration
	// Tags are the span's attributes, as string, bool, int64, float64 or
	// []byte; OTel array and map attributes arrive as JSON strings. Jaeger
	// adds "span.kind" ("server", "client", "producer", "consumer",
	// "internal"), "otel.scope.name"/"otel.scope.version", and for a span
	// with a status "otel.status_code" ("OK"/"ERROR"), "otel.status_description"
	// and, on errors, "error": true.
	Tags map[string]any
	// Resource holds the other resource attributes (Jaeger's process tags).
	Resource map[string]any
	// Logs are the span's events, in order; the event name is the field
	// "event".
	Logs []Log
	// Links are the span's links (Jaeger's references other than a
	// CHILD_OF parent), in order; a link to the parent is included.
	Links []SpanRef
}

// Log is one span event.
type Log struct {
	Time   time.Time
	Fields map[string]any // event attributes, plus "event": the name
}

// SpanRef names a span of some trace.
type SpanRef struct {
	TraceID string
	SpanID  string
}

// SpanNamed returns the first span (by start time) whose OperationName is
// name.
func (t Trace) SpanNamed(name string) (Span, bool) {
	for _, s := range t.Spans {
		if s.OperationName == name {
			return s, true
		}
	}
	return Span{}, false
}

// Children returns the spans whose parent is spanID, by start time.
func (t Trace) Children(spanID string) []Span {
	var out []Span
	for _, s := range t.Spans {
		if s.ParentSpanID == spanID {
			out = append(out, s)
		}
	}
	return out
}

// FindTraces returns the traces that have a span of service carrying every
// tag in tags (Jaeger's "tags" search: a tag matches a span attribute, a
// resource or scope attribute, or an event attribute, comparing values as
// strings), waiting up to timeout until there are at least want of them:
// spans reach storage asynchronously, so flush the exporting TracerProvider
// first and let FindTraces poll. With want <= 0 it queries once.
//
// Do not search on the key "error": in this Jaeger's memory storage it
// selects on span status and only ever matches status Ok, whatever the value
// (it takes the Bool of a string). Search on an attribute and check
// Span.Tags["error"] instead.
//
// Traces come oldest first, at most max(want, 1000) of them. A trace whose
// spans were exported in several batches may be incomplete when it is first
// found. After timeout, FindTraces returns what it found together with an
// error that also lists the services Jaeger knows, to catch a wrong service
// name.
func (j *Jaeger) FindTraces(ctx context.Context, service string, tags map[string]string, want int, timeout time.Duration) ([]Trace, error) {
	q := url.Values{}
	q.Set("service", service)
	if len(tags) > 0 {
		b, err := json.Marshal(tags)
		if err != nil {
			return nil, err
		}
		q.Set("tags", string(b))
	}
	// Jaeger keeps spans that start between start and end, by default from 2
	// days ago to now. Spans may carry any timestamp: allow (almost) any.
	q.Set("start", "1")
	q.Set("end", strconv.FormatInt(time.Now().Add(24*time.Hour).UnixMicro(), 10))
	q.Set("limit", strconv.Itoa(max(want, 1000)))
	path := "/api/traces?" + q.Encode()

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		found []Trace
		last  error // of the last query
	)
	for delay := 20 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		var resp response
		last = j.getJSON(ctx, path, &resp)
		if last == nil {
			found = resp.traces()
			if len(found) >= want {
				return found, nil
			}
		} else if se := (*statusError)(nil); errors.As(last, &se) && se.code < 500 {
			return nil, last // a bad query does not get better
		} else if want <= 0 {
			return nil, last
		}
		select {
		case <-ctx.Done():
			return found, j.notFound(service, tags, want, len(found), timeout, last, ctx.Err())
		case <-j.proc.exited:
			return found, fmt.Errorf("jaegertest: jaeger exited while waiting for traces: %w (its output is logged at cleanup if the test fails)", j.proc.waitErr)
		case <-time.After(delay):
		}
	}
}

// notFound builds FindTraces' timeout error.
func (j *Jaeger) notFound(service string, tags map[string]string, want, got int, timeout time.Duration, last, ctxErr error) error {
	msg := fmt.Sprintf("jaegertest: found %d of %d traces of service %q with tags %v", got, want, service, tags)
	if errors.Is(ctxErr, context.DeadlineExceeded) {
		msg += fmt.Sprintf(" within %v", timeout)
	}
	if last != nil {
		msg += fmt.Sprintf("; last query error: %v", last)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var services struct{ Data []string }
	if err := j.getJSON(ctx, "/api/services", &services); err == nil {
		slices.Sort(services.Data)
		msg += fmt.Sprintf("; services in Jaeger: %q", services.Data)
	}
	return fmt.Errorf("%s: %w", msg, ctxErr)
}

// Trace returns the trace with the given ID (32 hex digits) as Jaeger has it
// now, without waiting; an unknown ID gives an error wrapping [ErrNotFound].
func (j *Jaeger) Trace(ctx context.Context, traceID string) (Trace, error) {
	var resp response
	err := j.getJSON(ctx, "/api/traces/"+url.PathEscape(traceID), &resp)
	var se *statusError
	if errors.As(err, &se) && se.code == http.StatusNotFound {
		return Trace{}, fmt.Errorf("%w: %s", ErrNotFound, traceID)
	}
	if err != nil {
		return Trace{}, err
	}
	traces := resp.traces()
	if len(traces) != 1 {
		return Trace{}, fmt.Errorf("jaegertest: GET trace %s: got %d traces", traceID, len(traces))
	}
	return traces[0], nil
}

// statusError is a non-200 answer of the query API.
type statusError struct {
	path string
	code int
	body string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("jaegertest: GET %s: %d %s: %s", e.path, e.code, http.StatusText(e.code), e.body)
}

// getJSON GETs QueryURL+path and decodes a 200 answer into v.
func (j *Jaeger) getJSON(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.QueryURL+path, nil)
	if err != nil {
		return err
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{path: path, code: resp.StatusCode, body: string(bytes.TrimSpace(body))}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("jaegertest: GET %s: decoding: %w", path, err)
	}
	return nil
}

// The query API's JSON ("UI model"), as far as it is used.
type (
	response struct {
		Data []jsonTrace `json:"data"`
	}
	jsonTrace struct {
		TraceID   string                 `json:"traceID"`
		Spans     []jsonSpan             `json:"spans"`
		Processes map[string]jsonProcess `json:"processes"`
	}
	jsonSpan struct {
		TraceID       string    `json:"traceID"`
		SpanID        string    `json:"spanID"`
		ParentSpanID  string    `json:"parentSpanID"` // deprecated, usually absent
		OperationName string    `json:"operationName"`
		References    []jsonRef `json:"references"`
		StartTime     int64     `json:"startTime"` // µs since the epoch
		Duration      int64     `json:"duration"`  // µs
		Tags          []jsonKV  `json:"tags"`
		Logs          []struct {
			Timestamp int64    `json:"timestamp"` // µs since the epoch
			Fields    []jsonKV `json:"fields"`
		} `json:"logs"`
		ProcessID string `json:"processID"`
	}
	jsonRef struct {
		RefType string `json:"refType"` // CHILD_OF or FOLLOWS_FROM
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	}
	jsonProcess struct {
		ServiceName string   `json:"serviceName"`
		Tags        []jsonKV `json:"tags"`
	}
	jsonKV struct {
		Key   string `json:"key"`
		Type  string `json:"type"`
		Value any    `json:"value"` // json.Number for numbers
	}
)

func (r response) traces() []Trace {
	out := make([]Trace, 0, len(r.Data))
	for _, jt := range r.Data {
		out = append(out, jt.trace())
	}
	slices.SortStableFunc(out, func(a, b Trace) int {
		return cmp.Or(startOf(a).Compare(startOf(b)), cmp.Compare(a.TraceID, b.TraceID))
	})
	return out
}

func startOf(t Trace) time.Time {
	if len(t.Spans) == 0 {
		return time.Time{}
	}
	return t.Spans[0].StartTime
}

func (jt jsonTrace) trace() Trace {
	t := Trace{TraceID: jt.TraceID, Spans: make([]Span, 0, len(jt.Spans))}
	for _, js := range jt.Spans {
		proc := jt.Processes[js.ProcessID]
		s := Span{
			TraceID:       js.TraceID,
			SpanID:        js.SpanID,
			ParentSpanID:  js.ParentSpanID,
			OperationName: js.OperationName,
			ServiceName:   proc.ServiceName,
			StartTime:     time.UnixMicro(js.StartTime),
			Duration:      time.Duration(js.Duration) * time.Microsecond,
			Tags:          kvMap(js.Tags),
			Resource:      kvMap(proc.Tags),
		}
		// Jaeger's OTLP translation puts the parent first, as CHILD_OF, and
		// the links after it, as FOLLOWS_FROM; but a link to the parent
		// itself turns that first reference into FOLLOWS_FROM. Like the Jaeger
		// UI, take the first reference into the same trace as the parent.
		for i, r := range js.References {
			parent := i == 0 && r.TraceID == js.TraceID
			if parent && s.ParentSpanID == "" {
				s.ParentSpanID = r.SpanID
			}
			if !parent || r.RefType != "CHILD_OF" {
				s.Links = append(s.Links, SpanRef{TraceID: r.TraceID, SpanID: r.SpanID})
			}
		}
		for _, l := range js.Logs {
			s.Logs = append(s.Logs, Log{Time: time.UnixMicro(l.Timestamp), Fields: kvMap(l.Fields)})
		}
		t.Spans = append(t.Spans, s)
	}
	slices.SortStableFunc(t.Spans, func(a, b Span) int {
		return cmp.Or(a.StartTime.Compare(b.StartTime), cmp.Compare(a.SpanID, b.SpanID))
	})
	return t
}

// kvMap converts Jaeger's typed key-values.
func kvMap(kvs []jsonKV) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kvValue(kv)
	}
	return m
}

func kvValue(kv jsonKV) any {
	switch kv.Type {
	case "int64":
		// A number, or a decimal string beyond JavaScript's safe integers.
		if i, err := strconv.ParseInt(fmt.Sprint(kv.Value), 10, 64); err == nil {
			return i
		}
	case "float64":
		if n, ok := kv.Value.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f
			}
		}
	case "binary":
		if s, ok := kv.Value.(string); ok {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return b
			}
		}
	}
	if n, ok := kv.Value.(json.Number); ok { // untyped number: keep it usable
		if i, err := n.Int64(); err == nil {
			return i
		}
		if f, err := n.Float64(); err == nil {
			return f
		}
	}
	return kv.Value
}
