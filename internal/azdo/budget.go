package azdo

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Budget is an identity's share of Azure DevOps' rate limit, spent by
// every Client that uses the identity — in this process and in others
// (package budget keeps one in JetStream). A Client spends a request's
// estimated cost (see [CallCost]) before it sends it, after its own
// per-process limits (in-flight cap, requests per second, Retry-After
// pause), which stay a safety net above the budget; it reports every
// answer's rate-limit headers to Observe. Implementations are safe for
// concurrent use.
type Budget interface {
	// Spend waits until cost units may be spent and spends them. It
	// returns how long it waited. It fails at once, without spending,
	// when ctx's deadline is sooner than the budget lets the request
	// through (a KindRateLimited *Error with RetryAfter), and with ctx's
	// error when ctx ends while it waits.
	Spend(ctx context.Context, cost float64) (time.Duration, error)
	// Observe reports the rate-limit headers of one answer.
	Observe(ctx context.Context, rl RateLimitHeaders)
}

// RateLimitHeaders are Azure DevOps' throttling headers of one answer
// (reference §6): X-RateLimit-Limit and -Remaining in TSTUs, -Delay (how
// long Azure delayed the request; sent only when it did) and Retry-After
// (honoured on a 200 too).
type RateLimitHeaders struct {
	// Status is the answer's HTTP status.
	Status int
	// Limit and Remaining are X-RateLimit-Limit and -Remaining; HasLimit
	// says whether both were sent.
	Limit, Remaining float64
	HasLimit         bool
	// Delay is X-RateLimit-Delay (0: not sent).
	Delay time.Duration
	// RetryAfter is Retry-After as the Client honours it, at most
	// MaxRetryAfter (0: not sent).
	RetryAfter time.Duration
	// Bytes is the answer's Content-Length (-1: unknown).
	Bytes int64
}

// Throttled reports whether Azure DevOps is delaying or blocking the
// identity: a 429, a Retry-After or an X-RateLimit-Delay.
func (h RateLimitHeaders) Throttled() bool {
	return h.Status == http.StatusTooManyRequests || h.RetryAfter > 0 || h.Delay > 0
}

// rateLimitHeaders reads resp's throttling headers; retryAfter is
// Retry-After as the transport honours it. X-RateLimit-Reset is not read:
// it is recorded on the span only, and nothing waits for it.
func rateLimitHeaders(resp *http.Response, retryAfter time.Duration) RateLimitHeaders {
	h := RateLimitHeaders{Status: resp.StatusCode, RetryAfter: retryAfter, Bytes: resp.ContentLength}
	lim, err1 := strconv.ParseFloat(strings.TrimSpace(resp.Header.Get("X-RateLimit-Limit")), 64)
	rem, err2 := strconv.ParseFloat(strings.TrimSpace(resp.Header.Get("X-RateLimit-Remaining")), 64)
	if err1 == nil && err2 == nil && lim > 0 && rem >= 0 {
		h.Limit, h.Remaining, h.HasLimit = lim, rem, true
	}
	if d, err := strconv.ParseFloat(strings.TrimSpace(resp.Header.Get("X-RateLimit-Delay")), 64); err == nil && d > 0 && d < 3600 {
		h.Delay = time.Duration(d * float64(time.Second))
	}
	return h
}

// Estimated costs of one request, in the units of a Budget. They are
// azreviewer's own estimate, not Microsoft's (Azure DevOps publishes no
// cost per call; a TSTU is "a normal user's load"): a read costs 1, a
// write (POST, PUT, PATCH, DELETE) 2, and an answer's bytes beyond the
// first BlobCostBytes cost 1 more per BlobCostBytes, charged after the
// answer (see [ExtraCost]). The simulator (package azdosim) charges by
// the same table, so a budget sized in these units matches its limit.
const (
	ReadCost      = 1.0
	WriteCost     = 2.0
	BlobCostBytes = 256 << 10
)

// CallCost is the estimated cost of a request of method, before its answer.
func CallCost(method string) float64 {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ReadCost
	}
	return WriteCost
}

// ExtraCost is what an answer of n bytes costs beyond CallCost.
func ExtraCost(n int64) float64 {
	if n <= BlobCostBytes {
		return 0
	}
	return float64((n - 1) / BlobCostBytes)
}
