package azdo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// transport sits under otelhttp, inside each attempt's client span (see
// retry.go for the layers). It records Azure DevOps' rate-limit headers on
// the span, turns an HTML answer — Azure's sign-in page for an invalid or
// expired PAT, sometimes with status 203, or its front door's error page —
// into a typed *Error (see htmlAnswer) before the SDK fails to parse it as
// JSON,
// turns a 429 into *Error{Kind: KindRateLimited} that keeps Retry-After,
// pauses the Client for any Retry-After (Azure sends it on a 200 too once
// it starts delaying requests), at most MaxRetryAfter, and reaches the
// retry verdict.
type transport struct {
	next    http.RoundTripper
	clock   Clock
	lim     *limiter
	policy  retryPolicy
	metrics *Metrics // nil: none
	// cred's header goes only to scheme://host, the organisation's.
	cred         Credential
	scheme, host string
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	span := trace.SpanFromContext(req.Context())
	a := attemptFrom(req.Context())
	if a != nil {
		a.annotate(span)
	}
	route := routeOf(req.URL.EscapedPath())
	span.SetAttributes(attribute.String("azdo.route", route))
	if v := apiVersion(req); v != "" {
		span.SetAttributes(attribute.String("azdo.api_version", v))
	}
	sent, err := t.authorize(req)
	if err != nil {
		typed := credentialFailure(req, err)
		attrs := []attribute.KeyValue{attribute.String("error.type", string(typed.Kind)), attribute.String("azreviewer.diagnosis", typed.Diagnosis()),
			attribute.String("azdo.credential", typed.Credential)}
		if typed.EntraCode != "" {
			attrs = append(attrs, attribute.String("azdo.entra.code", typed.EntraCode))
		}
		span.SetAttributes(attrs...)
		return nil, typed
	}
	req = sent
	bearer := strings.HasPrefix(req.Header.Get("Authorization"), "Bearer ")
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	t.metrics.attempt(req.Method, metricRoute(route), status, time.Since(start))
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
	asked := parseRetryAfter(resp.Header.Get("Retry-After"), now)
	retryAfter := min(asked, MaxRetryAfter)
	if asked > retryAfter {
		// Not Azure's rate limit (see MaxRetryAfter): honoured for the
		// cap only; the span keeps what was asked.
		span.SetAttributes(attribute.Float64("azdo.retry_after.sent_ms", ms(asked)), attribute.Float64("azdo.retry_after.used_ms", ms(retryAfter)))
	}
	t.lim.pauseFor(retryAfter)
	if t.lim.budget != nil {
		t.lim.budget.Observe(req.Context(), rateLimitHeaders(resp, retryAfter))
	}
	var typed *Error
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		typed = rateLimited(req, resp, retryAfter)
	case isHTML(resp):
		typed = htmlAnswer(req, resp)
	case bearer && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
		typed = t.refusedIdentity(req, resp)
	}
	if a != nil {
		var verdictErr error
		if typed != nil {
			verdictErr = typed
		}
		t.policy.decide(span, a, req, resp.StatusCode, verdictErr, retryAfter, now)
	}
	if typed == nil {
		if resp.StatusCode >= http.StatusBadRequest {
			resp.Body = &failureBody{ReadCloser: resp.Body, span: span, kind: kindOf(resp.StatusCode),
				expected: expectedFrom(req.Context()) == resp.StatusCode}
		}
		return resp, nil
	}
	span.SetAttributes(attribute.String("error.type", string(typed.Kind)), attribute.String("azreviewer.diagnosis", typed.Diagnosis()))
	if typed.Credential != "" {
		span.SetAttributes(attribute.String("azdo.credential", typed.Credential))
	}
	return nil, typed
}

// refusedIdentity classifies Azure DevOps' refusal of a bearer token that
// Entra issued, so valid: a 401 says the organisation does not know the
// identity (KindNotMember; Explain tells an identity it knows but will not
// serve); a 403 on a Git route that names no Git permission says its
// access level does not include Repos (KindNoAccessLevel). A 403 naming a
// Git permission (TF401027) is a permission like any user's: the SDK reads
// it, body restored, and it becomes KindForbidden. Which status and body
// Azure DevOps sends for an identity without an access level is
// unverified; both are accepted.
func (t *transport) refusedIdentity(req *http.Request, resp *http.Response) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	var body struct {
		Message string `json:"message"`
		TypeKey string `json:"typeKey"`
	}
	_ = json.Unmarshal(b, &body)
	route := routeOf(req.URL.EscapedPath())
	e := &Error{StatusCode: resp.StatusCode, Op: req.Method + " " + route, TypeKey: body.TypeKey, Message: body.Message, Credential: t.cred.Identity()}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = KindNotMember
	case strings.HasPrefix(route, "_apis/git/") && !strings.Contains(body.Message, "TF401027"):
		e.Kind = KindNoAccessLevel
	default:
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}
	return e
}

// credentialFailure types a Credential's failure (authorize's error): a
// CredentialFailure keeps its kind and diagnosis; any other is taken for a
// transient one (a token endpoint that cannot be reached), retried by
// redelivery, not by resending.
func credentialFailure(req *http.Request, err error) *Error {
	e := &Error{Kind: KindTransient, Op: req.Method + " " + routeOf(req.URL.EscapedPath()), Message: err.Error(), Err: err}
	var ce *CredentialError
	if errors.As(err, &ce) {
		e.Credential = ce.Identity
	}
	var cf CredentialFailure
	if errors.As(err, &cf) {
		e.Kind, e.Fix = cf.FailureKind(), cf.Diagnosis()
		if c, ok := cf.(interface{ EntraCode() string }); ok {
			e.EntraCode = c.EntraCode()
		}
	}
	return e
}

// failureBody is the body of an error answer the SDK reads to build its
// error. On the first read — after otelhttp has set the client span's
// error.type to the numeric status, before the span ends — it sets
// error.type to the failure kind, as docs/traces.md promises; an answer the
// caller expected (a 404 for a file that may not exist, see
// withExpectedStatus) marks the span Ok instead of failed.
type failureBody struct {
	io.ReadCloser
	span     trace.Span
	kind     Kind
	expected bool
	once     bool
}

func (b *failureBody) Read(p []byte) (int, error) {
	if !b.once {
		b.once = true
		if b.expected {
			b.span.SetAttributes(attribute.Bool("azdo.expected", true))
			b.span.SetStatus(codes.Ok, "")
		} else {
			b.span.SetAttributes(attribute.String("error.type", string(b.kind)))
		}
	}
	return b.ReadCloser.Read(p)
}

type expectedKey struct{}

// withExpectedStatus marks the calls made with ctx as expecting status as
// one of their normal answers (FileAt's 404 for a file that does not exist).
func withExpectedStatus(ctx context.Context, status int) context.Context {
	return context.WithValue(ctx, expectedKey{}, status)
}

// expectedFrom is the status withExpectedStatus put in ctx, or 0.
func expectedFrom(ctx context.Context) int {
	s, _ := ctx.Value(expectedKey{}).(int)
	return s
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

// htmlAnswer classifies an HTML answer (or a 203) where JSON was asked
// for, and closes its body. Only a sign-in page says the PAT is not
// accepted: a 203, Azure's answer to credentials it wants to send through
// interactive sign-in, or a page that is the sign-in form. Azure's front
// door answers 502, 503 and 504 with HTML error pages of its own, and
// Azure DevOps Server may answer 404 with one: those are transient and not
// found, whatever sign-in link the page holds. Any other HTML page (a proxy's, or an organisation URL that is
// not Azure DevOps) is a refused request, said as such.
func htmlAnswer(req *http.Request, resp *http.Response) *Error {
	page, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	e := &Error{StatusCode: resp.StatusCode, Op: req.Method + " " + routeOf(req.URL.EscapedPath())}
	switch status := resp.StatusCode; {
	case status == http.StatusNonAuthoritativeInfo:
		e.Kind, e.Message = KindSignInPage, "Azure DevOps answered with an HTML sign-in page instead of JSON"
	case status >= http.StatusInternalServerError:
		e.Kind, e.Message = KindTransient, fmt.Sprintf("Azure DevOps answered %d with an HTML error page instead of JSON", status)
	case status == http.StatusNotFound:
		// Never a sign-in answer, though the page may link to sign-in
		// (Azure DevOps Server's, a proxy's): FileAt's missing file.
		e.Kind, e.Message = KindNotFound, "Azure DevOps answered 404 with an HTML page instead of JSON"
	case isSignInPage(page):
		e.Kind, e.Message = KindSignInPage, "Azure DevOps answered with an HTML sign-in page instead of JSON"
	case status == http.StatusUnauthorized:
		e.Kind, e.Message = KindUnauthorized, "Azure DevOps answered 401 with an HTML page instead of JSON"
	default:
		e.Kind, e.Message = KindInvalid, fmt.Sprintf("the server answered %d with an HTML page that is not Azure DevOps' sign-in page, instead of JSON: is the organisation URL right, or is a proxy answering?", status)
	}
	return e
}

// signInMarkers are what Azure DevOps' sign-in pages hold (lower case):
// its sign-in route, Microsoft Entra's sign-in host, the page title.
var signInMarkers = []string{"/_signin", "login.microsoftonline.com", "login.live.com", "| sign in</title>", "sign in to azure devops"}

// isSignInPage reports whether an HTML page is a sign-in page.
func isSignInPage(page []byte) bool {
	low := bytes.ToLower(page)
	for _, m := range signInMarkers {
		if bytes.Contains(low, []byte(m)) {
			return true
		}
	}
	return false
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

// authorize returns req with the credential's Authorization header, a copy
// (a RoundTripper leaves its caller's request alone). A request for another
// scheme or host — a redirect, a link in an answer — goes without it.
func (t *transport) authorize(req *http.Request) (*http.Request, error) {
	if t.cred == nil || req.URL.Scheme != t.scheme || !strings.EqualFold(req.URL.Host, t.host) {
		if req.Header.Get("Authorization") == "" {
			return req, nil
		}
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
		return req, nil
	}
	v, err := t.cred.Authorization(req.Context())
	if err != nil {
		return nil, &CredentialError{Identity: t.cred.Identity(), Err: err}
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", v)
	return req, nil
}
