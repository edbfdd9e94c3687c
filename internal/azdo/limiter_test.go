package azdo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
)

// gate counts the pull-request reads in flight at the server. Each read
// waits until `want` are in flight (or every read has arrived), so that a
// limiter letting more through would be caught, then answers.
type gate struct {
	want, total int

	mu                       sync.Mutex
	cond                     *sync.Cond
	armed, timedOut          bool
	inFlight, most, arrivals int
}

func newGate(want, total int) *gate {
	g := &gate{want: want, total: total}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *gate) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		if !g.armed || r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/pullRequests/") {
			g.mu.Unlock()
			next.ServeHTTP(w, r)
			return
		}
		g.inFlight++
		g.arrivals++
		g.most = max(g.most, g.inFlight)
		g.cond.Broadcast()
		for g.inFlight < g.want && g.arrivals < g.total && !g.timedOut {
			g.cond.Wait()
		}
		g.mu.Unlock()
		// Answer only after leaving the count, so the client cannot send
		// its next request while this one still counts.
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		g.mu.Lock()
		g.inFlight--
		g.mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (g *gate) arm(t *testing.T) {
	g.mu.Lock()
	g.armed = true
	g.mu.Unlock()
	// Only against a limiter bug: never leave a read waiting forever.
	timer := time.AfterFunc(10*time.Second, func() {
		g.mu.Lock()
		g.timedOut = true
		g.cond.Broadcast()
		g.mu.Unlock()
	})
	t.Cleanup(func() { timer.Stop() })
}

func TestLimiterBoundsConcurrency(t *testing.T) {
	t.Parallel()
	const calls, limit = 10, 2
	g := newGate(limit, calls)
	f := newFixture(t, azdo.Config{MaxConcurrent: limit, RequestsPerSecond: -1}, g.handler)
	g.arm(t)

	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() { errs <- f.readPR(context.Background()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	require.False(t, g.timedOut)
	require.Equal(t, calls, g.arrivals)
	require.Equal(t, limit, g.most, "never more than MaxConcurrent in flight, and that many used")
}

func TestLimiterRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rps   float64
		burst int
		calls int
		// wantBurst is the burst in effect (Burst or its default).
		wantBurst int
	}{
		{"default burst: two seconds' worth", 5, 0, 14, 10},
		{"burst of one", 20, 1, 6, 1},
		{"fractional rate", 2.5, 0, 7, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: tt.rps, Burst: tt.burst}, nil)
			for range tt.calls {
				require.NoError(t, f.readPR(context.Background()))
			}
			st := f.client.Stats()
			// The clock moves only when the limiter waits, so every request
			// beyond the burst waited exactly 1/rps.
			want := time.Duration(float64(st.Requests-int64(tt.wantBurst)) / tt.rps * float64(time.Second))
			require.InDelta(t, want, st.LimiterWait, float64(time.Millisecond), "requests %d", st.Requests)
			require.InDelta(t, want, clock.total(), float64(time.Millisecond))
		})
	}
}

// A rate-limit wait that would end after the deadline fails at once.
func TestLimiterRateStopsAtContextDeadline(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: 1, Burst: 1}, nil)
	before := f.client.Stats().Requests
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	err := f.readPR(ctx)
	e := requireKind(t, err, azdo.KindTransient, f.sim.PAT)
	require.Contains(t, e.Message, "rate limit")
	require.Equal(t, before, f.client.Stats().Requests, "nothing sent")
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// Each attempt is a client span; the throttled one says it is retried, and
// how long after, the resend has http.request.resend_count.
func TestRetrySpans(t *testing.T) {
	t.Parallel()
	post := &fault{method: http.MethodPost, path: "/threads", answers: []int{503}, header: http.Header{"Retry-After": {"2"}}}
	clock := newFakeClock()
	f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1}, post.handler)
	post.arm()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, parent := tp.Tracer("test").Start(context.Background(), "review")

	f.sim.Server.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: time.Second})
	require.NoError(t, f.readPR(ctx))                                  // 429, then 200
	requireKind(t, f.createThread(ctx), azdo.KindTransient, f.sim.PAT) // 503 + Retry-After 2: not retried, pauses
	require.NoError(t, f.readPR(ctx))                                  // waits 2 s in the limiter
	parent.End()

	var spans []sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		if s.Parent().SpanID() == parent.SpanContext().SpanID() {
			spans = append(spans, s)
		}
	}
	require.Len(t, spans, 4)
	route := "_apis/git/repositories/{id}/pullRequests/{id}"

	throttled, resent, failedPost, paused := spans[0], spans[1], spans[2], spans[3]
	require.Equal(t, "GET "+route, throttled.Name())
	a := attrs(throttled)
	require.Equal(t, "rate_limited", a["error.type"].AsString())
	require.Equal(t, []string{"1"}, a["http.response.header.retry-after"].AsStringSlice())
	require.Equal(t, codes.Error, throttled.Status().Code)
	require.NotContains(t, a, attribute.Key("http.request.resend_count"))
	require.Len(t, throttled.Events(), 1)
	ev := throttled.Events()[0]
	require.Equal(t, "retry", ev.Name)
	require.ElementsMatch(t, []attribute.KeyValue{
		attribute.Int("azdo.retry.attempt", 1),
		attribute.String("azdo.retry.reason", "http_429"),
		attribute.Float64("azdo.retry.wait_ms", 1000),
		attribute.Bool("azdo.retry.retry_after", true),
	}, ev.Attributes)

	require.Equal(t, "GET "+route, resent.Name())
	a = attrs(resent)
	require.EqualValues(t, 1, a["http.request.resend_count"].AsInt64())
	require.EqualValues(t, http.StatusOK, a["http.response.status_code"].AsInt64())
	require.NotContains(t, a, attribute.Key("error.type"))
	require.NotContains(t, a, attribute.Key("azdo.limiter.wait_ms"), "the resend waited as the retry event says, not in the limiter")
	require.Empty(t, resent.Events())

	require.Equal(t, "POST "+route+"/threads", failedPost.Name())
	a = attrs(failedPost)
	require.Equal(t, "http_503", a["azdo.retry.reason"].AsString())
	require.Equal(t, "not_idempotent", a["azdo.retry.stopped"].AsString())
	require.Empty(t, failedPost.Events())

	a = attrs(paused)
	require.InDelta(t, 2000, a["azdo.limiter.wait_ms"].AsFloat64(), 0.001)
	require.NotContains(t, a, attribute.Key("http.request.resend_count"))
}

// recordSpans starts a parent span whose children rec records.
func recordSpans(t *testing.T) (*tracetest.SpanRecorder, context.Context, trace.Span) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, parent := tp.Tracer("test").Start(context.Background(), "review")
	return rec, ctx, parent
}

// clientSpans describes parent's ended children: name, status, error.type
// and azdo.expected.
func clientSpans(rec *tracetest.SpanRecorder, parent trace.Span) []string {
	var got []string
	for _, s := range rec.Ended() {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			continue
		}
		a := attrs(s)
		got = append(got, fmt.Sprintf("%s %s %s expected=%t", s.Name(), s.Status().Code, a["error.type"].AsString(), a["azdo.expected"].AsBool()))
	}
	return got
}

// TestClientSpanFailureKinds: a client span of a JSON error answer carries
// the failure kind as error.type, not the numeric status; the 404 of a file
// that may not exist (FileAt) is an expected answer, not a failed span.
func TestClientSpanFailureKinds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, azdo.Config{RequestsPerSecond: -1, MaxRetries: -1}, nil)
	rec, ctx, parent := recordSpans(t)

	_, found, err := f.client.FileAt(ctx, f.ref, "/no/such/file", f.sim.Repo.Commit(map[string]string{"/a.txt": "x\n"}))
	require.NoError(t, err)
	require.False(t, found)
	_, err = f.client.PullRequest(ctx, azdo.PullRequestRef{Project: f.ref.Project, RepositoryID: f.ref.RepositoryID, ID: 999999})
	requireKind(t, err, azdo.KindNotFound, f.sim.PAT)
	f.sim.Repo.Deny(f.sim.User, azdosim.GitPullRequestContribute)
	requireKind(t, azdo.WriteFailure(f.createThread(ctx)), azdo.KindForbidden, f.sim.PAT)
	parent.End()

	got := clientSpans(rec, parent)
	require.Equal(t, []string{
		"GET _apis/git/repositories/{id}/items Ok 404 expected=true",
		"GET _apis/git/repositories/{id}/pullRequests/{id} Error not_found expected=false",
		"POST _apis/git/repositories/{id}/pullRequests/{id}/threads Error forbidden expected=false",
	}, got)
}

// TestClientSpanFailureKindsEmptyBody: an error answer without a body
// (Content-Length: 0, as a server may answer 401 or 404), which the SDK
// closes unread, still sets the span's error.type to the failure kind, and
// FileAt's expected 404 still makes an Ok span.
func TestClientSpanFailureKindsEmptyBody(t *testing.T) {
	t.Parallel()
	empty := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasSuffix(r.URL.Path, "/items"):
				w.Header().Set("Content-Length", "0")
				w.WriteHeader(http.StatusNotFound)
			case strings.HasSuffix(r.URL.Path, "/pullRequests/999999"):
				w.Header().Set("Content-Length", "0")
				w.WriteHeader(http.StatusUnauthorized)
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
	f := newFixture(t, azdo.Config{RequestsPerSecond: -1, MaxRetries: -1}, empty)
	rec, ctx, parent := recordSpans(t)

	_, found, err := f.client.FileAt(ctx, f.ref, "/no/such/file", "0123456789abcdef0123456789abcdef01234567")
	require.NoError(t, err)
	require.False(t, found)
	_, err = f.client.PullRequest(ctx, azdo.PullRequestRef{Project: f.ref.Project, RepositoryID: f.ref.RepositoryID, ID: 999999})
	requireKind(t, err, azdo.KindUnauthorized, f.sim.PAT)
	parent.End()

	got := clientSpans(rec, parent)
	require.Equal(t, []string{
		"GET _apis/git/repositories/{id}/items Ok 404 expected=true",
		"GET _apis/git/repositories/{id}/pullRequests/{id} Error unauthorized expected=false",
	}, got)
}
