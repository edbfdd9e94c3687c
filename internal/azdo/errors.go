package azdo

import (
	"errors"
	"fmt"
	"math"
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
	// KindUnauthorized: 401 — the PAT is invalid, revoked or expired.
	KindUnauthorized Kind = "unauthorized"
	// KindSignInPage: an HTML sign-in page instead of JSON (often 203) — the
	// PAT is not accepted at all.
	KindSignInPage Kind = "sign_in_page"
	// KindMissingScope: 401 on a write after reads succeeded — the PAT lacks
	// a write scope (Code Read & Write).
	KindMissingScope Kind = "missing_scope"
	// KindCannotEvaluate: 401 on a permission evaluation by a PAT that is
	// accepted otherwise — its scopes do not allow evaluating permissions
	// (Scope names the one that would). It says nothing about the PAT's
	// validity nor about the permission evaluated.
	KindCannotEvaluate Kind = "cannot_evaluate"
	// KindForbidden: 403 — the PAT owner lacks a repository permission
	// (TF401027 GitNeedsPermissionException).
	KindForbidden Kind = "forbidden"
	// KindNotFound: 404 — the project, repository, pull request or item is
	// gone, or hidden from the PAT owner.
	KindNotFound Kind = "not_found"
	// KindRateLimited: 429 — throttled; retry after RetryAfter.
	KindRateLimited Kind = "rate_limited"
	// KindTransient: 5xx, timeouts, connection failures — retry with backoff.
	KindTransient Kind = "transient"
	// KindInvalid: any other 4xx — the request itself was refused.
	KindInvalid Kind = "invalid"

	// Failures of a Credential that is not a PAT (see CredentialFailure):
	// nothing was sent to Azure DevOps.

	// KindEntraRefused: Microsoft Entra ID refused the token request;
	// EntraCode holds its AADSTS code.
	KindEntraRefused Kind = "entra_refused"
	// KindSecretExpired: Entra refused the token request because the
	// service principal's client secret has expired (AADSTS7000222).
	KindSecretExpired Kind = "client_secret_expired"
	// KindTokenFile: the federated token file of a workload identity is
	// missing, unreadable or empty.
	KindTokenFile Kind = "token_file_unreadable"
	// KindCertificate: a service principal's certificate file is
	// unreadable or not a certificate with its private key.
	KindCertificate Kind = "certificate_unreadable"
	// KindCredential: any other credential failure that retrying cannot
	// fix (a PAT or secret file unreadable or empty).
	KindCredential Kind = "credential"

	// Azure DevOps' answers to an Entra identity (a bearer token).

	// KindNotMember: 401 to a bearer token Entra issued — the identity is
	// not a member of the organisation.
	KindNotMember Kind = "not_member"
	// KindNoAccessLevel: refused (401, or 403 without a Git permission
	// named) although Azure DevOps knows the identity — it has no access
	// level that includes Repos (Stakeholder, or none).
	KindNoAccessLevel Kind = "no_access_level"
)

// CredentialFailure is an error of a Credential that knows what is wrong,
// such as Entra's refusal of a token request: the Client reports it with
// its kind and diagnosis instead of as a transient failure. An error that
// also has an EntraCode() string method gives its AADSTS code.
type CredentialFailure interface {
	error
	FailureKind() Kind
	Diagnosis() string
}

// Error is a classified Azure DevOps failure.
type Error struct {
	Kind       Kind
	Op         string
	StatusCode int
	// TypeKey is Azure's exception type, e.g. GitNeedsPermissionException.
	TypeKey string
	// Message is Azure's message, e.g. "TF401027: You need the Git
	// 'PullRequestContribute' permission …". It never holds credentials.
	Message    string
	RetryAfter time.Duration
	// Write is set when the failing call was a write (thread, comment,
	// status).
	Write bool
	// Permission is the Git permission the PAT owner lacks (KindForbidden);
	// Confirmed says a permission evaluation agreed.
	Permission GitPermission
	Confirmed  bool
	// Scope is the PAT scope that would allow the refused call
	// (KindCannotEvaluate), e.g. vso.security_manage.
	Scope string
	// Identity is the PAT owner and Repository the repository's name, when
	// known; the diagnosis names them.
	Identity   Identity
	Repository string
	// Credential is the credential's identity (Credential.Identity), set
	// for the failures of a credential and of an Entra identity.
	Credential string
	// EntraCode is Entra's AADSTS code (KindEntraRefused,
	// KindSecretExpired); Fix is the credential's own diagnosis.
	EntraCode string
	Fix       string
	Err       error
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

// ErrorType is the error.type OpenTelemetry records for e (otelhttp asks
// for it): the Kind.
func (e *Error) ErrorType() string { return string(e.Kind) }

// Retryable reports whether retrying the same call may succeed.
func (e *Error) Retryable() bool {
	return e.Kind == KindRateLimited || e.Kind == KindTransient
}

// Class is the kind as a string; with Diagnosis it lets packages that do
// not import azdo (the consume loop's dead letters) describe the failure.
func (e *Error) Class() string { return string(e.Kind) }

// Diagnosis says in words what is wrong and what to fix.
func (e *Error) Diagnosis() string {
	switch e.Kind {
	case KindSignInPage:
		return "Azure DevOps answered with an HTML sign-in page instead of JSON: the PAT is invalid, expired or revoked. Create a PAT with Code (Read & Write) and configure azreviewer with it."
	case KindUnauthorized:
		if e.expired() {
			return "The PAT has expired. Create a new PAT with Code (Read & Write) and configure azreviewer with it."
		}
		return "The PAT was refused: it is invalid or revoked. Create a PAT with Code (Read & Write) and configure azreviewer with it."
	case KindCannotEvaluate:
		return fmt.Sprintf("Azure DevOps refused to evaluate permissions with this PAT's scopes: that needs %s, which the PAT lacks. The PAT itself is accepted, and nothing is known about the permission; a review does not need this scope.", scopeLabel(e.Scope))
	case KindMissingScope:
		d := "The PAT can read but was refused a write: it lacks a write scope. Create a PAT with Code (Read & Write) and configure azreviewer with it."
		if e.Confirmed {
			d += " The PAT is still accepted for reads, so it is its scope."
		}
		return d
	case KindForbidden:
		perm := "Contribute to pull requests"
		if e.Permission != 0 {
			perm = e.Permission.Label()
		}
		who := "the PAT owner"
		if name := e.Identity.Name(); name != "" {
			who = fmt.Sprintf("the PAT owner %q", name)
		}
		repo := "the repository"
		if e.Repository != "" {
			repo = fmt.Sprintf("repository %q", e.Repository)
		}
		d := fmt.Sprintf("Grant %q on %s to %s (Project settings > Repositories > Security).", perm, repo, who)
		if e.Confirmed {
			d += " A permission evaluation confirms it is missing."
		}
		return d
	case KindNotFound:
		return "Not found: the project, repository, pull request or file does not exist, or the PAT owner cannot see it (grant 'Read' on the repository)."
	case KindRateLimited:
		return "Azure DevOps is rate-limiting this identity; the call is retried after Retry-After."
	case KindTransient:
		return "Azure DevOps or the network failed temporarily; the call is retried."
	case KindEntraRefused, KindSecretExpired, KindTokenFile, KindCertificate, KindCredential:
		if e.Fix != "" {
			return e.Fix
		}
		return "The credential could not give a token: " + e.Message
	case KindNotMember:
		return fmt.Sprintf("Azure DevOps does not accept %s in this organisation (HTTP %d): the identity is not a member of the organisation. %s", e.credentialName(), e.StatusCode, entraMemberFix)
	case KindNoAccessLevel:
		return fmt.Sprintf("Azure DevOps knows %s but refused it (HTTP %d): its access level does not include Repos (Stakeholder, or none). %s", e.credentialName(), e.StatusCode, entraMemberFix)
	default:
		return "Azure DevOps refused the request: " + e.Message
	}
}

// entraMemberFix is what an Entra identity needs in an organisation.
const entraMemberFix = "Add the service principal or managed identity to the organisation under Organization settings → Users → Add users with the Basic access level, add it to the project's Contributors group, and grant it \"Contribute to pull requests\" on the repositories (Project settings → Repositories → Security)."

func (e *Error) credentialName() string {
	if e.Credential != "" {
		return "the Entra identity " + e.Credential
	}
	return "the Entra identity"
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsNotFound reports whether err is a 404 from Azure DevOps (false for
// nil).
func IsNotFound(err error) bool {
	if err == nil {
		return false
	}
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
		if isSDKConfigError(err) {
			return &Error{Kind: KindInvalid, Op: op, Message: err.Error() + " (is the configured organisation URL the organisation itself, without a project?)", Err: err}
		}
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
	if e.Kind == KindForbidden {
		e.Permission, _ = permissionFromMessage(e.Message)
	}
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

// MaxRetryAfter is the longest pause a Retry-After is believed for: a
// longer one is honoured for MaxRetryAfter. Azure DevOps limits an
// identity over a sliding five-minute window (reference §6: usage returns
// to 0 five minutes after the last request), and delays each request by at
// most 30 s before it blocks, so none of its own Retry-After values needs
// more. A longer one comes from something else — a proxy's or a
// maintenance page's 503, an Azure DevOps Server under servicing, an
// HTTP-date read against a skewed clock — and believing it would stop the
// identity across the fleet (package budget shares the pause) for as long
// as it says. Honouring it for five minutes costs one request per process
// every five minutes, which gets the next Retry-After.
const MaxRetryAfter = 5 * time.Minute

// parseRetryAfter reads a Retry-After header: delay-seconds (Azure DevOps
// sends whole seconds; fractions are accepted) or an HTTP-date, which is
// taken relative to now. Absent, malformed or past values give 0. The
// value is as sent, unbounded: the transport honours at most
// MaxRetryAfter of it.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || math.IsNaN(s) || math.IsInf(s, 0) {
			return 0
		}
		return time.Duration(min(s, float64(math.MaxInt64/int64(time.Second))) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// WriteFailure marks err as the failure of a write. A 401 on a write, made
// after the review's reads succeeded with the same PAT, means the PAT lacks
// a write scope, unless Azure says it expired.
func WriteFailure(err error) error {
	e, ok := AsError(err)
	if !ok {
		return err
	}
	c := *e
	c.Write = true
	if c.Kind == KindUnauthorized && !c.expired() {
		c.Kind = KindMissingScope
	}
	return &c
}

// evaluationFailure classifies the failure of a permission evaluation. A
// 401 there, from a PAT that authenticates (callers evaluate only after
// another call succeeded: doctor after WhoAmI, Explain after a 403), means
// its scopes do not cover the security API, unless Azure says it expired.
func evaluationFailure(op string, err error) error {
	e, ok := AsError(classify(op, err))
	if !ok {
		return err
	}
	if e.Kind == KindUnauthorized && !e.expired() {
		c := *e
		c.Kind, c.Scope = KindCannotEvaluate, SecurityScope
		return &c
	}
	return e
}

// expired reports whether Azure says the PAT has expired.
func (e *Error) expired() bool { return strings.Contains(strings.ToLower(e.Message), "expired") }

// scopeLabel names a scope as the PAT page shows it, with its OAuth name.
func scopeLabel(scope string) string {
	switch scope {
	case SecurityScope:
		return "the Security (Manage) scope (" + scope + ")"
	case "":
		return "another scope"
	}
	return "the scope " + scope
}

// isSDKConfigError reports the SDK's own errors for an API the server does
// not offer at that URL — typically an organisation URL that includes a
// project — which retrying cannot fix.
func isSDKConfigError(err error) bool {
	var loc azuredevops.LocationIdNotRegisteredError
	var locp *azuredevops.LocationIdNotRegisteredError
	var area azuredevops.ResourceAreaIdNotRegisteredError
	var areap *azuredevops.ResourceAreaIdNotRegisteredError
	return errors.As(err, &loc) || errors.As(err, &locp) || errors.As(err, &area) || errors.As(err, &areap)
}
