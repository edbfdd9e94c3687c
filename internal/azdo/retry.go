package azdo

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Retries. One SDK call is one logical call; the retrier under the SDK
// sends it as one or more attempts:
//
//	SDK → retrier (limiter, waits, resends)
//	    → otelhttp (one client span per attempt)
//	    → transport (rate-limit headers, typed errors, retry verdict)
//	    → Config.Transport
//
// The verdict is reached in transport, inside the attempt's span, so the
// span that failed carries the "retry" event with the reason and the wait;
// the retrier then waits and resends, and the resend's span carries
// http.request.resend_count.
//
// Policy:
//   - 429 is retried for every method: Azure DevOps canceled the request
//     ("TF400733: The request has been canceled"), so even a POST was not
//     applied.
//   - 502, 503, 504, attempt timeouts and network errors are retried only
//     for idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE). A POST or
//     PATCH that timed out or got a 5xx may have been applied; resending it
//     could post a second comment thread. Those failures go back to the
//     caller as KindTransient, and the worker, on redelivery, re-reads the
//     pull request's threads and finds its own by fingerprint before it
//     writes again. A connection that could not be established sent
//     nothing, so it is retried for every method.
//   - Anything else (4xx, 500, sign-in pages, certificate errors, the
//     caller's own cancellation) is not retried.
//   - The wait is the answer's Retry-After when present, else exponential
//     backoff with full jitter: uniform in [0, min(RetryMaxDelay,
//     RetryBaseDelay·2^k)) before the (k+1)-th resend.
//   - At most MaxRetries resends, and none whose wait would end after the
//     call's context deadline: the call then fails at once with the last
//     attempt's error (KindRateLimited keeps RetryAfter), so the worker can
//     nak with that delay instead of sleeping through its deadline.

// Defaults of the retry policy, see Config.
const (
	defaultMaxRetries     = 4
	defaultRetryBaseDelay = 500 * time.Millisecond
	defaultRetryMaxDelay  = 30 * time.Second
	defaultTimeout        = 30 * time.Second
)

type retryPolicy struct {
	maxRetries int
	base, cap  time.Duration
}

func newRetryPolicy(cfg Config) retryPolicy {
	p := retryPolicy{maxRetries: cfg.MaxRetries, base: cfg.RetryBaseDelay, cap: cfg.RetryMaxDelay}
	switch {
	case p.maxRetries == 0:
		p.maxRetries = defaultMaxRetries
	case p.maxRetries < 0:
		p.maxRetries = 0
	}
	if p.base <= 0 {
		p.base = defaultRetryBaseDelay
	}
	if p.cap <= 0 {
		p.cap = defaultRetryMaxDelay
	}
	return p
}

// backoff is the wait before resend k+1 (k = 0 for the first resend):
// full jitter, uniform in [0, min(cap, base·2^k)).
func (p retryPolicy) backoff(k int) time.Duration {
	ceil := p.cap
	if k < 62 {
		if d := p.base << k; d > 0 && d>>k == p.base && d < ceil {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil)
}

// attempt is one HTTP request of a logical call. The retrier creates it and
// passes it in the request's context; transport fills in the verdict.
type attempt struct {
	n           int             // 0: first request; k: k-th resend
	limiterWait time.Duration   // time spent in the limiter before sending
	budgetWait  time.Duration   // of it, in the identity-wide budget
	call        context.Context // the logical call's context
	deadline    time.Time       // the call's deadline; zero: none

	retry  bool          // resend after wait
	wait   time.Duration // how long to wait before the resend
	reason string        // why the attempt failed, when retryable in principle
	stop   string        // why a retryable failure is not retried
	failed error         // what the caller gets if the resend is abandoned
}

type attemptKey struct{}

func withAttempt(ctx context.Context, a *attempt) context.Context {
	return context.WithValue(ctx, attemptKey{}, a)
}

func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// annotate records on the attempt's span what happened before it was sent.
func (a *attempt) annotate(span trace.Span) {
	if a.n > 0 {
		span.SetAttributes(semconv.HTTPRequestResendCount(a.n))
	}
	if a.limiterWait > 0 {
		span.SetAttributes(attribute.Float64("azdo.limiter.wait_ms", ms(a.limiterWait)))
	}
	if a.budgetWait > 0 {
		span.AddEvent("azdo.budget.wait", trace.WithAttributes(attribute.Float64("azdo.budget.wait_ms", ms(a.budgetWait))))
		span.SetAttributes(attribute.Float64("azdo.budget.wait_ms", ms(a.budgetWait)))
	}
}

// decide reaches the verdict on an attempt that ended with status (0: no
// response) or err (a typed *Error for 429s and sign-in pages), given the
// answer's Retry-After, and records it on the attempt's span.
func (p retryPolicy) decide(span trace.Span, a *attempt, req *http.Request, status int, err error, retryAfter time.Duration, now time.Time) {
	reason, anyMethod := retryReason(a.call, status, err)
	if reason == "" {
		return
	}
	a.reason = reason
	wait := retryAfter
	if wait <= 0 {
		wait = p.backoff(a.n)
	}
	switch {
	case !anyMethod && !idempotent(req.Method) && !readOnlyFrom(req.Context()):
		a.stop = "not_idempotent"
	case a.n >= p.maxRetries:
		a.stop = "retries_exhausted"
	case !a.deadline.IsZero() && now.Add(wait).After(a.deadline):
		a.stop = "deadline"
	}
	if a.stop != "" {
		span.SetAttributes(attribute.String("azdo.retry.reason", reason), attribute.String("azdo.retry.stopped", a.stop))
		return
	}
	a.retry, a.wait = true, wait
	a.failed = err
	if err == nil {
		a.failed = &Error{
			Kind: kindOf(status), StatusCode: status, Op: req.Method + " " + routeOf(req.URL.EscapedPath()),
			Message: http.StatusText(status),
		}
	}
	span.AddEvent("retry", trace.WithAttributes(
		attribute.Int("azdo.retry.attempt", a.n+1),
		attribute.String("azdo.retry.reason", reason),
		attribute.Float64("azdo.retry.wait_ms", ms(wait)),
		attribute.Bool("azdo.retry.retry_after", retryAfter > 0),
	))
}

// retryReason says why an attempt failed in a way a resend may fix, and
// whether that holds for every method (the request was not applied).
func retryReason(call context.Context, status int, err error) (reason string, anyMethod bool) {
	if call.Err() != nil {
		return "", false // the caller gave up
	}
	if e, ok := AsError(err); ok {
		switch {
		case e.Kind == KindRateLimited:
			return "http_429", true
		case e.Kind != KindTransient: // a transient one (a 5xx HTML page) is judged by its status below
			return "", false
		}
		err = nil
	}
	if err != nil {
		var cert *tls.CertificateVerificationError
		var cred *CredentialError
		var op *net.OpError
		var ne net.Error
		switch {
		case errors.As(err, &cert), errors.As(err, &cred): // a credential retries its own token requests
			return "", false
		case errors.As(err, &op) && op.Op == "dial":
			return "connect", true
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
			return "timeout", false
		default:
			return "network", false
		}
	}
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return fmt.Sprintf("http_%d", status), false
	}
	return "", false
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

type readOnlyKey struct{}

// withReadOnly marks the calls made with ctx as reads, whatever their
// method (the bulk read of blobs is a POST): a failed one is resent as a
// GET would be.
func withReadOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, readOnlyKey{}, true)
}

// readOnlyFrom reports whether withReadOnly marked ctx.
func readOnlyFrom(ctx context.Context) bool {
	ro, _ := ctx.Value(readOnlyKey{}).(bool)
	return ro
}

// retrier runs a logical call as attempts through the limiter, see the
// comment at the top of this file.
type retrier struct {
	next    http.RoundTripper
	lim     *limiter
	clock   Clock
	timeout time.Duration // per attempt
	metrics *Metrics      // nil: none
}

func (r *retrier) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	first, getBody, err := rewindable(req)
	if err != nil {
		return nil, err
	}
	route := routeOf(req.URL.EscapedPath())
	op := req.Method + " " + route
	deadline, _ := ctx.Deadline()
	for n := 0; ; n++ {
		waited, budgetWait, release, err := r.lim.acquire(ctx, op, CallCost(req.Method))
		r.metrics.waited(waited)
		if err != nil {
			if n == 0 {
				_ = first.Close()
			}
			return nil, err
		}
		body := first
		if n > 0 {
			if body, err = getBody(); err != nil {
				release()
				return nil, err
			}
			r.lim.retries.Add(1)
			r.metrics.resent(req.Method, metricRoute(route))
		}
		a := &attempt{n: n, limiterWait: waited, budgetWait: budgetWait, call: ctx, deadline: deadline}
		actx, cancel := context.WithTimeout(withAttempt(ctx, a), r.timeout)
		done := sync.OnceFunc(func() { cancel(); release() })
		out := req.Clone(actx)
		out.Body = body
		resp, err := r.next.RoundTrip(out)
		if !a.retry {
			if err != nil {
				done()
				return nil, err
			}
			return handOver(req, resp, actx, done), nil
		}
		if resp != nil && resp.Body != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		done()
		if err := r.clock.Sleep(ctx, a.wait); err != nil {
			return nil, fmt.Errorf("%w (retry abandoned: %w)", a.failed, err)
		}
	}
}

// rewindable returns req's body for the first attempt and a function giving
// a fresh copy for each resend. The SDK's bodies are small JSON documents in
// bytes.Readers, for which http.NewRequest sets GetBody; any other body is
// read into memory once.
func rewindable(req *http.Request) (io.ReadCloser, func() (io.ReadCloser, error), error) {
	switch {
	case req.Body == nil || req.Body == http.NoBody:
		return http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }, nil
	case req.GetBody != nil:
		return req.Body, req.GetBody, nil
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("read request body: %w", err)
	}
	fresh := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	first, _ := fresh()
	return first, fresh, nil
}

// handOver gives the caller resp and frees the attempt's slot and timer
// (done) once the body has been read or closed, or the attempt's context
// ended. An empty body is closed at once: the SDK leaves it unclosed for
// errors without a body.
func handOver(req *http.Request, resp *http.Response, actx context.Context, done func()) *http.Response {
	if resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 || req.Method == http.MethodHead {
		if resp.Body != nil {
			// Read to its end before closing: the end of an empty error
			// answer is what sets its span's failure kind (failureBody),
			// and otelhttp ends the span on Close first.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		resp.Body = http.NoBody
		done()
		return resp
	}
	stop := context.AfterFunc(actx, done)
	resp.Body = &doneBody{ReadCloser: resp.Body, done: func() { stop(); done() }}
	return resp
}

// doneBody calls done at EOF or Close, whichever comes first.
type doneBody struct {
	io.ReadCloser
	done func()
}

func (b *doneBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.done()
	}
	return n, err
}

func (b *doneBody) Close() error {
	err := b.ReadCloser.Close()
	b.done()
	return err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
