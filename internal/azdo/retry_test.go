package azdo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
)

// requireKind asserts err is an *azdo.Error of kind and carries no PAT.
func requireKind(t *testing.T, err error, kind azdo.Kind, pat string) *azdo.Error {
	t.Helper()
	e, ok := azdo.AsError(err)
	require.True(t, ok, "typed error, got %T: %v", err, err)
	require.Equal(t, kind, e.Kind, "%v", err)
	require.NotContains(t, err.Error(), pat)
	return e
}

// On the wall clock, as in production: the resend waits out Retry-After.
func TestRetryHonoursRetryAfterOn429(t *testing.T) {
	t.Parallel()
	f := newFixture(t, azdo.Config{}, nil)
	f.sim.Server.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: time.Second})

	start := time.Now()
	require.NoError(t, f.readPR(context.Background()))
	require.GreaterOrEqual(t, time.Since(start), time.Second)

	got := f.attempts(opGetPR)[1:] // after the warm-up read
	require.Len(t, got, 2, "the throttled request and one resend")
	require.Equal(t, http.StatusTooManyRequests, got[0].Status)
	require.Equal(t, http.StatusOK, got[1].Status)
	require.GreaterOrEqual(t, got[1].At.Sub(got[0].At), time.Second)
	require.EqualValues(t, 1, f.client.Stats().Retries)
	require.Equal(t, time.Second, f.client.Stats().Paused)
}

func TestRetryGivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		maxRetries   int
		wantAttempts int
	}{
		{"default", 0, 5},
		{"one", 1, 2},
		{"none", -1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			f := newFixture(t, azdo.Config{MaxRetries: tt.maxRetries, Clock: clock, RequestsPerSecond: -1}, nil)
			f.sim.Server.RateLimit(azdosim.RateLimit{Requests: 100, RetryAfter: 3 * time.Second})

			err := f.readPR(context.Background())
			e := requireKind(t, err, azdo.KindRateLimited, f.sim.PAT)
			require.Equal(t, http.StatusTooManyRequests, e.StatusCode)
			require.Equal(t, 3*time.Second, e.RetryAfter)
			require.Len(t, f.attempts(opGetPR)[1:], tt.wantAttempts)
			for _, d := range clock.Slept() {
				require.Equal(t, 3*time.Second, d, "each resend waits Retry-After")
			}
			require.Equal(t, time.Duration(tt.wantAttempts-1)*3*time.Second, clock.total())
		})
	}
}

func TestRetryServerErrors(t *testing.T) {
	t.Parallel()
	read := func(f *fixture) error { return f.readPR(context.Background()) }
	create := func(f *fixture) error { return f.createThread(context.Background()) }
	tests := []struct {
		name         string
		create       bool // CreateThread (POST) instead of PullRequest (GET)
		answers      []int
		header       http.Header
		maxRetries   int
		wantErr      azdo.Kind // "": success
		wantAttempts int
		wantSlept    []time.Duration // nil: only check backoff bounds
	}{
		{name: "GET 503 twice then success", answers: []int{503, 503}, wantAttempts: 3},
		{name: "GET 502 then 504 then success", answers: []int{502, 504}, wantAttempts: 3},
		{name: "GET 503 with Retry-After", answers: []int{503}, header: http.Header{"Retry-After": {"2"}}, wantAttempts: 2, wantSlept: []time.Duration{2 * time.Second}},
		{name: "GET 503 more often than MaxRetries", answers: []int{503, 503, 503, 503}, maxRetries: 2, wantErr: azdo.KindTransient, wantAttempts: 3},
		{name: "GET 500 is not retried", answers: []int{500}, wantErr: azdo.KindTransient, wantAttempts: 1},
		{name: "GET 404 is not retried", answers: []int{404}, wantErr: azdo.KindNotFound, wantAttempts: 1},
		{name: "POST 503 is not retried", create: true, answers: []int{503}, wantErr: azdo.KindTransient, wantAttempts: 1},
		{name: "POST 502 with Retry-After is not retried", create: true, answers: []int{502}, header: http.Header{"Retry-After": {"1"}}, wantErr: azdo.KindTransient, wantAttempts: 1},
		{name: "POST 429 is retried", create: true, answers: []int{429}, header: http.Header{"Retry-After": {"1"}}, wantAttempts: 2, wantSlept: []time.Duration{time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			flt := &fault{method: http.MethodGet, path: "/pullRequests/", answers: tt.answers, header: tt.header}
			call := read
			if tt.create {
				flt.method, flt.path, call = http.MethodPost, "/threads", create
			}
			clock := newFakeClock()
			f := newFixture(t, azdo.Config{Clock: clock, MaxRetries: tt.maxRetries, RequestsPerSecond: -1}, flt.handler)
			flt.arm()

			err := call(f)
			require.Equal(t, tt.wantAttempts, flt.count(), "attempts")
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				e := requireKind(t, err, tt.wantErr, f.sim.PAT)
				require.Equal(t, tt.answers[tt.wantAttempts-1], e.StatusCode)
			}
			if tt.wantSlept != nil {
				require.Equal(t, tt.wantSlept, clock.Slept())
			}
			for i, d := range clock.Slept() {
				if tt.header.Get("Retry-After") == "" {
					require.Less(t, d, 500*time.Millisecond<<i, "full jitter below base·2^k")
				}
			}
			if tt.create {
				want := []string(nil)
				if tt.wantErr == "" {
					want = []string{"retry body survives"}
				}
				require.Equal(t, want, f.threadTexts(), "a resent POST carries its body; a failed one is not applied twice")
			}
		})
	}
}

// A POST the simulator throttles is resent with its body and applied once.
func TestRetryRateLimitedPostResendsBody(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1}, nil)
	f.sim.Server.RateLimit(azdosim.RateLimit{Requests: 2, RetryAfter: time.Second})

	require.NoError(t, f.createThread(context.Background()))
	got := f.attempts(opCreateThread)
	require.Len(t, got, 3)
	require.Equal(t, []int{429, 429, 200}, []int{got[0].Status, got[1].Status, got[2].Status})
	require.Equal(t, []string{"retry body survives"}, f.threadTexts())
	require.Equal(t, []time.Duration{time.Second, time.Second}, clock.Slept())
}

// An attempt that times out is retried for a GET, not for a POST.
func TestRetryAttemptTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		method, path string
		call         func(*fixture) error
		wantErr      bool
		wantAttempts int
	}{
		{"GET is retried", http.MethodGet, "/pullRequests/", func(f *fixture) error { return f.readPR(context.Background()) }, false, 2},
		{"POST is not retried", http.MethodPost, "/threads", func(f *fixture) error { return f.createThread(context.Background()) }, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hang fault
			hang.method, hang.path = tt.method, tt.path
			stop := make(chan struct{})
			// The first matching request hangs until the client gives up.
			mw := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if hang.matches(r) {
						hang.mu.Lock()
						first := hang.seen == 0
						hang.seen++
						hang.mu.Unlock()
						if first {
							// Read the body: only then does the server
							// notice the client hanging up.
							_, _ = io.Copy(io.Discard, r.Body)
							select {
							case <-r.Context().Done():
							case <-stop:
							}
							return
						}
					}
					next.ServeHTTP(w, r)
				})
			}
			f := newFixture(t, azdo.Config{Clock: newFakeClock(), Timeout: 200 * time.Millisecond, RequestsPerSecond: -1}, mw)
			t.Cleanup(func() { close(stop) }) // runs before the server closes
			hang.arm()

			err := tt.call(f)
			if tt.wantErr {
				requireKind(t, err, azdo.KindTransient, f.sim.PAT)
				require.Empty(t, f.threadTexts())
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tt.wantAttempts, hang.count())
		})
	}
}

// A connection that cannot be made sent nothing: retried for every method.
func TestRetryConnectionRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(*fixture) error
	}{
		{"GET", func(f *fixture) error { return f.readPR(context.Background()) }},
		{"POST", func(f *fixture) error { return f.createThread(context.Background()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, azdo.Config{}, nil)
			sim := fx.sim
			srv := httptest.NewServer(sim.Server.Handler())
			orgURL := strings.Replace(sim.Org.URL(), sim.Server.URL(), srv.URL, 1)
			c, err := azdo.New(azdo.Config{OrgURL: orgURL, PAT: sim.PAT, MaxRetries: 2, Clock: newFakeClock(), RequestsPerSecond: -1,
				Transport: &http.Transport{DisableKeepAlives: true}})
			require.NoError(t, err)
			f := &fixture{sim: sim, pr: fx.pr, client: c, ref: fx.ref}
			require.NoError(t, f.readPR(context.Background()), "discovery while the server is up")
			srv.Close()
			before := c.Stats().Requests

			err = tt.call(f)
			requireKind(t, err, azdo.KindTransient, sim.PAT)
			require.EqualValues(t, 3, c.Stats().Requests-before, "MaxRetries+1 attempts")
		})
	}
}

// The context deadline wins over Retry-After: a wait that would end after it
// is not started.
func TestRetryStopsAtContextDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t, azdo.Config{}, nil)
	// A deadline far from both the call's own time on a loaded machine and
	// the pause: the call returns before it, whatever the machine's speed.
	const deadline, pause = time.Minute, azdo.MaxRetryAfter - time.Minute
	f.sim.Server.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: pause})

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	err := f.readPR(ctx)
	require.NoError(t, ctx.Err(), "returns at once, not at the deadline")
	e := requireKind(t, err, azdo.KindRateLimited, f.sim.PAT)
	require.Equal(t, pause, e.RetryAfter)
	require.Len(t, f.attempts(opGetPR)[1:], 1)

	// The next call finds the client paused beyond its deadline: it fails
	// at once, without a request, with the rest of the pause.
	ctx, cancel = context.WithTimeout(context.Background(), deadline)
	defer cancel()
	err = f.readPR(ctx)
	require.NoError(t, ctx.Err(), "returns at once, not at the deadline")
	e = requireKind(t, err, azdo.KindRateLimited, f.sim.PAT)
	require.Greater(t, e.RetryAfter, deadline)
	require.LessOrEqual(t, e.RetryAfter, pause)
	require.Len(t, f.attempts(opGetPR)[1:], 1, "no request while paused")
}

func TestRetryAfterOnSuccessPausesNextCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		want       func(t *testing.T, paused time.Duration)
	}{
		{"seconds", func(time.Time) string { return "2" }, func(t *testing.T, d time.Duration) { require.Equal(t, 2*time.Second, d) }},
		{"HTTP-date", func(now time.Time) string { return now.Add(3 * time.Second).UTC().Format(http.TimeFormat) }, func(t *testing.T, d time.Duration) {
			require.Greater(t, d, 2*time.Second) // the date has whole seconds
			require.LessOrEqual(t, d, 3*time.Second)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			var first fault // the first PR read after arming answers 200 with Retry-After
			first.method, first.path = http.MethodGet, "/pullRequests/"
			mw := func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if first.matches(r) {
						first.mu.Lock()
						n := first.seen
						first.seen++
						first.mu.Unlock()
						if n == 0 {
							w.Header().Set("Retry-After", tt.retryAfter(clock.Now()))
							w.Header().Set("X-RateLimit-Delay", "1.500")
						}
					}
					next.ServeHTTP(w, r)
				})
			}
			f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1}, mw)
			first.arm()

			require.NoError(t, f.readPR(context.Background()), "a 2xx with Retry-After is a success")
			require.Equal(t, 1, first.count(), "and is not retried")
			require.Empty(t, clock.Slept(), "nothing waited yet")
			require.NoError(t, f.readPR(context.Background()))
			require.Equal(t, 2, first.count())
			slept := clock.Slept()
			require.Len(t, slept, 1, "the next call waited for the pause")
			tt.want(t, slept[0])
			require.Equal(t, slept[0], f.client.Stats().Paused)
			require.Equal(t, slept[0], f.client.Stats().LimiterWait)
		})
	}
}

func TestBackoffIsFullJitter(t *testing.T) {
	t.Parallel()
	base, ceiling := 500*time.Millisecond, 30*time.Second
	for k := range 70 {
		limit := ceiling
		if k < 6 {
			limit = base << k
		}
		var maxSeen time.Duration
		for range 200 {
			d := azdo.Backoff(base, ceiling, k)
			require.GreaterOrEqual(t, d, time.Duration(0))
			require.Less(t, d, limit, "k=%d", k)
			maxSeen = max(maxSeen, d)
		}
		require.Greater(t, maxSeen, limit/2, "k=%d: the whole range is used", k)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 1.5 ", 1500 * time.Millisecond},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"Thu, 27 Nov 2025 12:00:30 GMT", 30 * time.Second},
		{"Thu, 27 Nov 2025 11:59:00 GMT", 0},
		{"1e30", 0}, // checked below
	}
	for _, tt := range tests {
		got := azdo.ParseRetryAfter(tt.in, now)
		if tt.in == "1e30" {
			require.Greater(t, got, 100*365*24*time.Hour, "huge values saturate instead of overflowing")
			continue
		}
		require.Equal(t, tt.want, got, "%q", tt.in)
	}
}

// TestRetryFrontDoorPages: an HTML error page from Azure's front door (a
// 502, 503 or 504 without JSON) is a transient failure, retried like the
// service's own, never a sign-in page.
func TestRetryFrontDoorPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		pages      int
		status     int
		maxRetries int
		wantErr    bool
	}{
		{"503 pages twice, then the answer", 2, http.StatusServiceUnavailable, 0, false},
		{"a 502 page", 1, http.StatusBadGateway, 0, false},
		{"504 pages more often than MaxRetries", 4, http.StatusGatewayTimeout, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, azdo.Config{Clock: newFakeClock(), MaxRetries: tt.maxRetries, RequestsPerSecond: -1}, nil)
			before := len(f.attempts("git.pullRequests.get"))
			f.sim.Server.FailRequestsWithPage("git.pullRequests.get", tt.pages, tt.status)
			err := f.readPR(context.Background())
			if !tt.wantErr {
				require.NoError(t, err)
				require.Len(t, f.attempts("git.pullRequests.get"), before+tt.pages+1, "each page retried")
				return
			}
			e := requireKind(t, err, azdo.KindTransient, f.sim.PAT)
			require.Equal(t, tt.status, e.StatusCode)
			require.Contains(t, e.Diagnosis(), "temporarily")
			require.Len(t, f.attempts("git.pullRequests.get"), before+tt.maxRetries+1)
		})
	}
}

// TestSimulatorSlowDownPausesTheClient: the simulator's success answers with
// Retry-After, as Azure DevOps sends while it delays an identity, pause the
// client's next call for that long and are not retried.
func TestSimulatorSlowDownPausesTheClient(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1}, nil)
	before := len(f.attempts(opGetPR))
	f.sim.Server.SlowDown(azdosim.RateLimit{Requests: 1, RetryAfter: 1500 * time.Millisecond})
	require.NoError(t, f.readPR(context.Background()), "a success with Retry-After is a success")
	require.Len(t, f.attempts(opGetPR), before+1, "not retried")
	require.Empty(t, clock.Slept())
	require.NoError(t, f.readPR(context.Background()))
	require.Equal(t, []time.Duration{2 * time.Second}, clock.Slept(), "the next call waits Retry-After (whole seconds)")
	require.Equal(t, 2*time.Second, f.client.Stats().Paused)
}
