package azdo_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
)

// retryAfterCap is the longest Retry-After the client believes, as
// documented (azdo.MaxRetryAfter: Azure's five-minute window).
const retryAfterCap = 5 * time.Minute

// TestRetryAfterIsBoundedToTheCap: an answer that asks for a month's
// pause — a 503 of a proxy or of an Azure DevOps Server under servicing,
// a 429, a success while Azure delays the identity, in seconds or as an
// HTTP-date — pauses the client for the cap, not for a month, and the
// client span keeps what was asked next to what was honoured.
func TestRetryAfterIsBoundedToTheCap(t *testing.T) {
	t.Parallel()
	const month = 30 * 24 * time.Hour
	tests := []struct {
		name string
		// fail makes the next pull-request read ask for a month's pause.
		fail func(s *azdosim.Server)
		// failed says the read that asked is refused (resent after the
		// pause); otherwise it succeeds and the next call waits.
		failed bool
		header string // how Retry-After is sent, checked on the span
	}{
		{"503 in seconds", func(s *azdosim.Server) { s.FailRequests(opGetPR, 1, http.StatusServiceUnavailable, month) }, true, "2592000"},
		{"429 in seconds", func(s *azdosim.Server) { s.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: month}) }, true, "2592000"},
		{"200 in seconds", func(s *azdosim.Server) { s.SlowDown(azdosim.RateLimit{Requests: 1, RetryAfter: month}) }, false, "2592000"},
		{"503 as an HTTP-date", func(s *azdosim.Server) {
			s.FailRequestsUntil(opGetPR, 1, http.StatusServiceUnavailable, time.Now().Add(month))
		}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1}, nil)
			rec, ctx, parent := recordSpans(t)
			tt.fail(f.sim.Server)

			require.NoError(t, f.readPR(ctx), "resent after the pause, or a success")
			require.NoError(t, f.readPR(ctx))
			parent.End()

			require.Len(t, clock.Slept(), 1, "one pause: %v", clock.Slept())
			require.LessOrEqual(t, clock.total(), retryAfterCap, "paused for the cap at most")
			require.Greater(t, clock.total(), retryAfterCap-time.Second, "and for the cap, not less")
			require.LessOrEqual(t, f.client.Stats().Paused, retryAfterCap)

			var span sdktrace.ReadOnlySpan
			for _, s := range rec.Ended() {
				if attrs(s)["http.response.header.retry-after"].Type() != attribute.EMPTY {
					span = s
				}
			}
			require.NotNil(t, span, "the span of the answer that asked")
			asked := attrs(span)
			if tt.header != "" {
				require.Equal(t, []string{tt.header}, asked["http.response.header.retry-after"].AsStringSlice(), "as sent")
			}
			require.InDelta(t, float64(month/time.Millisecond), asked["azdo.retry_after.sent_ms"].AsFloat64(), float64(time.Minute/time.Millisecond), "what was asked")
			require.InDelta(t, float64(retryAfterCap/time.Millisecond), asked["azdo.retry_after.used_ms"].AsFloat64(), 0.001, "what was honoured")
			if tt.failed {
				require.Len(t, span.Events(), 1)
				require.Contains(t, span.Events()[0].Attributes, attribute.Float64("azdo.retry.wait_ms", float64(retryAfterCap/time.Millisecond)), "the resend waits the cap")
			}
		})
	}
}

// TestRetryAfterWithinTheCapIsHonouredAsSent: values Azure DevOps sends
// (seconds up to its window) are not touched, and leave no trace of a
// cap on the span.
func TestRetryAfterWithinTheCapIsHonouredAsSent(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{time.Second, 30 * time.Second, retryAfterCap} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1}, nil)
			rec, ctx, parent := recordSpans(t)
			f.sim.Server.FailRequests(opGetPR, 1, http.StatusServiceUnavailable, d)
			require.NoError(t, f.readPR(ctx))
			parent.End()
			require.Equal(t, []time.Duration{d}, clock.Slept())
			for _, s := range rec.Ended() {
				require.NotContains(t, attrs(s), attribute.Key("azdo.retry_after.sent_ms"))
				require.NotContains(t, attrs(s), attribute.Key("azdo.retry_after.used_ms"))
			}
		})
	}
}

// The call's deadline: a month-long Retry-After on a call with a review's
// deadline (longer than the cap) is waited out for the cap and resent,
// instead of failing at once with a month to wait.
func TestRetryAfterBeyondTheCapFitsAReviewDeadline(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	f := newFixture(t, azdo.Config{Clock: clock, RequestsPerSecond: -1}, nil)
	f.sim.Server.FailRequests(opGetPR, 1, http.StatusServiceUnavailable, 30*24*time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 2*retryAfterCap)
	defer cancel()
	require.NoError(t, f.readPR(ctx))
	require.Len(t, f.attempts(opGetPR)[1:], 2, "the failed read and its resend")
}
