package azdo

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"

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
	for _, h := range []string{"Retry-After", "X-RateLimit-Resource", "X-RateLimit-Delay", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if v := resp.Header.Get(h); v != "" {
			span.SetAttributes(attribute.String("azdo.response.header."+h, v))
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, rateLimited(req, resp)
	}
	if isHTML(resp) {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		return nil, &Error{
			Kind:       KindSignInPage,
			StatusCode: resp.StatusCode,
			Op:         req.Method + " " + routeOf(req.URL.EscapedPath()),
			Message:    "Azure DevOps answered with an HTML page instead of JSON",
		}
	}
	return resp, nil
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
func rateLimited(req *http.Request, resp *http.Response) error {
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
