package azdo

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// transport sits under otelhttp, inside each attempt's client span (see
// retry.go for the layers). It records Azure DevOps' rate-limit headers on
// the span, turns an HTML answer — Azure's sign-in page for an invalid or
// expired PAT, sometimes with status 203 — into a typed
// *Error{Kind: KindSignInPage} before the SDK fails to parse it as JSON,
// turns a 429 into *Error{Kind: KindRateLimited} that keeps Retry-After,
// pauses the Client for any Retry-After (Azure sends it on a 200 too once
// it starts delaying requests), and reaches the retry verdict.
type transport struct {
	next   http.RoundTripper
	clock  Clock
	lim    *limiter
	policy retryPolicy
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	span := trace.SpanFromContext(req.Context())
	a := attemptFrom(req.Context())
	if a != nil {
		a.annotate(span)
	}
	span.SetAttributes(attribute.String("azdo.route", routeOf(req.URL.EscapedPath())))
	if v := apiVersion(req); v != "" {
		span.SetAttributes(attribute.String("azdo.api_version", v))
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		if a != nil {
			t.policy.decide(span, a, req, 0, err, 0, t.clock.Now())
		}
		return nil, err
	}
	// Azure DevOps' throttling headers, recorded as http.response.header.<name>.
	for _, h := range []string{"Retry-After", "X-RateLimit-Resource", "X-RateLimit-Delay", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if v := resp.Header.Get(h); v != "" {
			span.SetAttributes(attribute.StringSlice("http.response.header."+strings.ToLower(h), []string{v}))
		}
	}
	now := t.clock.Now()
	retryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), now)
	t.lim.pauseFor(retryAfter)
	var typed *Error
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		typed = rateLimited(req, resp, retryAfter)
	case isHTML(resp):
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		typed = &Error{
			Kind:       KindSignInPage,
			StatusCode: resp.StatusCode,
			Op:         req.Method + " " + routeOf(req.URL.EscapedPath()),
			Message:    "Azure DevOps answered with an HTML page instead of JSON",
		}
	}
	if a != nil {
		var verdictErr error
		if typed != nil {
			verdictErr = typed
		}
		t.policy.decide(span, a, req, resp.StatusCode, verdictErr, retryAfter, now)
	}
	if typed == nil {
		return resp, nil
	}
	span.SetAttributes(attribute.String("error.type", string(typed.Kind)), attribute.String("azreviewer.diagnosis", typed.Diagnosis()))
	return nil, typed
}

// apiVersion reads the api-version the SDK negotiated; it sends it in the
// Accept header rather than the query.
func apiVersion(req *http.Request) string {
	if v := req.URL.Query().Get("api-version"); v != "" {
		return v
	}
	for _, part := range strings.Split(req.Header.Get("Accept"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "api-version="); ok {
			return v
		}
	}
	return ""
}

func isHTML(resp *http.Response) bool {
	if resp.StatusCode == http.StatusNonAuthoritativeInfo {
		return true
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt == "text/html"
}

// rateLimited turns a 429 into an *Error that keeps Retry-After, which the
// SDK would discard with the other response headers.
func rateLimited(req *http.Request, resp *http.Response, retryAfter time.Duration) *Error {
	defer resp.Body.Close()
	var body struct {
		Message string `json:"message"`
		TypeKey string `json:"typeKey"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	return &Error{
		Kind:       KindRateLimited,
		StatusCode: resp.StatusCode,
		Op:         req.Method + " " + routeOf(req.URL.EscapedPath()),
		TypeKey:    body.TypeKey,
		Message:    body.Message,
		RetryAfter: retryAfter,
	}
}
