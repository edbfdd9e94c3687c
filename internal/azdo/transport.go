package azdo

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// transport sits under the SDK. It records Azure DevOps' rate-limit headers
// on the call's span and turns an HTML answer — Azure's sign-in page for an
// invalid or expired PAT, sometimes with status 203 — into a typed
// *Error{Kind: KindSignInPage} before the SDK fails to parse it as JSON.
type transport struct {
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	span := trace.SpanFromContext(req.Context())
	span.SetAttributes(attribute.String("azdo.route", routeOf(req.URL.EscapedPath())))
	if v := apiVersion(req); v != "" {
		span.SetAttributes(attribute.String("azdo.api_version", v))
	}
	// Azure DevOps' throttling headers, recorded as http.response.header.<name>.
	for _, h := range []string{"Retry-After", "X-RateLimit-Resource", "X-RateLimit-Delay", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if v := resp.Header.Get(h); v != "" {
			span.SetAttributes(attribute.StringSlice("http.response.header."+strings.ToLower(h), []string{v}))
		}
	}
	var typed *Error
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		typed = rateLimited(req, resp)
	case isHTML(resp):
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		typed = &Error{
			Kind:       KindSignInPage,
			StatusCode: resp.StatusCode,
			Op:         req.Method + " " + routeOf(req.URL.EscapedPath()),
			Message:    "Azure DevOps answered with an HTML page instead of JSON",
		}
	default:
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
func rateLimited(req *http.Request, resp *http.Response) *Error {
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
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After")),
	}
}
