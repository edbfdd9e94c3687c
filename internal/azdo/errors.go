package azdo

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
)

// Kind classifies an Azure DevOps failure by what a caller should do.
type Kind string

// Kinds of failure.
const (
	// KindUnauthorized: 401 — the PAT is invalid, expired or lacks a scope.
	KindUnauthorized Kind = "unauthorized"
	// KindSignInPage: an HTML sign-in page instead of JSON — the PAT is not
	// accepted at all.
	KindSignInPage Kind = "sign_in_page"
	// KindForbidden: 403 — the PAT owner lacks a permission (TF401027).
	KindForbidden Kind = "forbidden"
	// KindNotFound: 404 — the project, repository, pull request or item is gone.
	KindNotFound Kind = "not_found"
	// KindRateLimited: 429 — throttled; retry after RetryAfter.
	KindRateLimited Kind = "rate_limited"
	// KindTransient: 5xx, timeouts, connection failures — retry with backoff.
	KindTransient Kind = "transient"
	// KindInvalid: any other 4xx — the request itself was refused.
	KindInvalid Kind = "invalid"
)

// Error is a classified Azure DevOps failure.
type Error struct {
	Kind       Kind
	Op         string
	StatusCode int
	// TypeKey is Azure's exception type, e.g. GitNeedsPermissionException.
	TypeKey string
	// Message is Azure's message, e.g. "TF401027: You need the Git
	// 'PullRequestContribute' permission …".
	Message    string
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("azure devops: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Kind))
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d", e.StatusCode)
		if e.TypeKey != "" {
			b.WriteString(", " + e.TypeKey)
		}
		b.WriteString(")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether retrying the same call may succeed.
func (e *Error) Retryable() bool {
	return e.Kind == KindRateLimited || e.Kind == KindTransient
}

// Diagnosis says in words what is wrong and what to fix.
func (e *Error) Diagnosis() string {
	switch e.Kind {
	case KindSignInPage:
		return "Azure DevOps answered with a sign-in page: the PAT is invalid or expired. Create a new PAT with Code (Read & Write) and set AZDO_PAT."
	case KindUnauthorized:
		if strings.Contains(e.Message, "expired") {
			return "the PAT has expired. Create a new PAT with Code (Read & Write) and set AZDO_PAT."
		}
		return "the PAT was refused (invalid, expired, or missing a scope). A review needs a PAT with Code (Read & Write) and Code Status; check AZDO_PAT."
	case KindForbidden:
		return "the PAT owner lacks a permission on the repository (" + e.Message + "). Grant it 'Read' and 'Contribute to pull requests' on the repository."
	case KindNotFound:
		return "not found: the project, repository, pull request or file does not exist, or the PAT owner cannot see it."
	case KindRateLimited:
		return "Azure DevOps is rate-limiting this identity; the call is retried after Retry-After."
	case KindTransient:
		return "Azure DevOps or the network failed temporarily; the call is retried."
	default:
		return "Azure DevOps refused the request: " + e.Message
	}
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err is a 404 from Azure DevOps.
func IsNotFound(err error) bool {
	e, ok := AsError(classify("", err))
	return ok && e.Kind == KindNotFound
}

// wrap classifies err from an SDK call named op. nil stays nil.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return classify(op, err)
}

// classify maps SDK and transport errors to *Error. The SDK returns
// azuredevops.WrappedError either as a value or as a pointer, depending on
// the body; both are handled.
func classify(op string, err error) error {
	if e, ok := AsError(err); ok {
		if e.Op == "" || op != "" {
			c := *e
			if op != "" {
				c.Op = op
			}
			return &c
		}
		return e
	}
	var wv azuredevops.WrappedError
	var wp *azuredevops.WrappedError
	var w *azuredevops.WrappedError
	switch {
	case errors.As(err, &wp) && wp != nil:
		w = wp
	case errors.As(err, &wv):
		w = &wv
	}
	if w == nil {
		// Connection failures, timeouts, and bodies the SDK could not decode.
		return &Error{Kind: KindTransient, Op: op, Message: err.Error(), Err: err}
	}
	e := &Error{Op: op, Err: err}
	if w.StatusCode != nil {
		e.StatusCode = *w.StatusCode
	}
	if w.TypeKey != nil {
		e.TypeKey = *w.TypeKey
	}
	if w.Message != nil {
		e.Message = *w.Message
	}
	e.Kind = kindOf(e.StatusCode)
	return e
}

func kindOf(status int) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return KindUnauthorized
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status == http.StatusRequestTimeout || status >= 500:
		return KindTransient
	default:
		return KindInvalid
	}
}

// parseRetryAfter reads a Retry-After header in seconds.
func parseRetryAfter(v string) time.Duration {
	s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s * float64(time.Second))
}
