package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// EntraError is a token request Microsoft Entra ID (or the managed identity
// endpoint) refused. It holds Entra's code and the first sentence of its
// description, never the request: no secret or assertion.
type EntraError struct {
	// Code is Entra's AADSTS code, e.g. "AADSTS7000222"; empty when the
	// answer had none (a managed identity endpoint's own refusal).
	Code string
	// OAuthError is the OAuth error, e.g. "invalid_client".
	OAuthError string
	// Description is the first sentence of Entra's error_description.
	Description string
	// Meaning says what the code means, Fix what to do about it.
	Meaning, Fix string
	// Identity is the credential's, e.g. "service_principal:<client id>".
	Identity string
	// Status is the HTTP status of the answer.
	Status int
	// TraceID and CorrelationID identify the request to Microsoft support.
	TraceID, CorrelationID string
}

func (e *EntraError) Error() string {
	code := e.Code
	if code == "" {
		code = fmt.Sprintf("HTTP %d", e.Status)
	}
	return fmt.Sprintf("entra refused the token request of %s (%s): %s", e.Identity, code, e.Meaning)
}

// FailureKind is the azdo.Kind the Azure DevOps client reports: an expired
// client secret has its own, every other refusal is KindEntraRefused.
func (e *EntraError) FailureKind() azdo.Kind {
	if e.Code == codeSecretExpired {
		return azdo.KindSecretExpired
	}
	return azdo.KindEntraRefused
}

// Diagnosis says what is wrong and what to fix.
func (e *EntraError) Diagnosis() string {
	code := e.Code
	if code == "" {
		code = fmt.Sprintf("HTTP %d", e.Status)
	}
	d := fmt.Sprintf("Microsoft Entra ID refused the token request of %s with %s: %s %s", e.Identity, code, e.Meaning, e.Fix)
	if e.TraceID != "" {
		d += " (Entra trace ID " + e.TraceID + ")"
	}
	return d
}

// EntraCode is the AADSTS code, recorded on spans as azdo.entra.code.
func (e *EntraError) EntraCode() string { return e.Code }

// FileError is a file a credential needs that cannot be used: a federated
// token file missing or unreadable, a certificate file unreadable or not a
// certificate with its key, a PAT or secret file unreadable or empty. Its
// text names the key, never the file's path nor its content: a token or
// secret written under a *_file key by mistake is a "path" too.
type FileError struct {
	// Key is the spec's key, e.g. "credential.workload_identity.token_file".
	Key string
	// Path is the file, as written; the error's text leaves it out.
	Path string
	// Problem says what is wrong, Err is the cause.
	Problem string
	Err     error
}

func (e *FileError) Error() string {
	s := fmt.Sprintf("%s: the file it names %s", e.Key, e.Problem)
	if e.Err != nil {
		s += ": " + cause(e.Err)
	}
	return s
}

func (e *FileError) Unwrap() error { return e.Err }

// FailureKind is KindTokenFile for a federated token file, KindCertificate
// for a certificate file and KindCredential for the others.
func (e *FileError) FailureKind() azdo.Kind {
	switch {
	case strings.HasSuffix(e.Key, ".token_file"):
		return azdo.KindTokenFile
	case strings.HasSuffix(e.Key, ".certificate_file"):
		return azdo.KindCertificate
	}
	return azdo.KindCredential
}

// Diagnosis says what to fix.
func (e *FileError) Diagnosis() string {
	switch e.FailureKind() {
	case azdo.KindTokenFile:
		return fmt.Sprintf("The federated token file %s names %s. On Kubernetes, label the pod azure.workload.identity/use: \"true\" and give it a service account annotated with azure.workload.identity/client-id, so the webhook projects the token (AZURE_FEDERATED_TOKEN_FILE); otherwise point token_file at the projected service account token.", e.Key, e.Problem)
	case azdo.KindCertificate:
		return fmt.Sprintf("The certificate file %s names %s. It must be readable by azreviewer and hold the certificate and its unencrypted private key in PEM (or PKCS#12 without a password); the certificate's public part must be uploaded to the app registration under Certificates & secrets.", e.Key, e.Problem)
	}
	return fmt.Sprintf("The file %s names %s. Make it readable by azreviewer and put the secret in it.", e.Key, e.Problem)
}

// entraAnswer is the JSON of Entra's error answer.
type entraAnswer struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	// A managed identity endpoint may answer in its own shape.
	Message string `json:"message"`
}

var aadstsCode = regexp.MustCompile(`AADSTS\d+`)

// fromAzidentity turns azidentity's error into an *EntraError when Entra
// (or the managed identity endpoint) refused the request with a 4xx; other
// failures (network, 5xx after azcore's retries) come back as a short
// error without azidentity's text, to be retried later.
func fromAzidentity(identity string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	var af *azidentity.AuthenticationFailedError
	if !errors.As(err, &af) {
		// azidentity's "credential unavailable" (no managed identity
		// here) is marked NonRetriable, as refusals are.
		var unavailable interface{ NonRetriable() }
		if errors.As(err, &unavailable) {
			return &EntraError{Identity: identity, Description: firstSentence(err.Error()), Meaning: "the credential cannot ask for a token here: " + firstSentence(err.Error()),
				Fix: "For a managed identity, run azreviewer on an Azure resource with the identity assigned (and set client_id for a user-assigned one), or use another credential kind."}
		}
		return fmt.Errorf("token request of %s failed: %w", identity, err)
	}
	if af.RawResponse == nil {
		return &EntraError{Identity: identity, Meaning: "the token request failed before Entra answered.",
			Fix: "Check the credential's configuration; azreviewer's debug log has the Azure SDK's reason."}
	}
	resp := af.RawResponse
	body := readBody(resp)
	if resp.StatusCode >= http.StatusInternalServerError || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout {
		return fmt.Errorf("token request of %s failed: Entra answered %d", identity, resp.StatusCode)
	}
	var a entraAnswer
	_ = json.Unmarshal(body, &a)
	e := &EntraError{Identity: identity, Status: resp.StatusCode, OAuthError: a.Error, TraceID: a.TraceID, CorrelationID: a.CorrelationID}
	if len(a.Codes) > 0 {
		e.Code = fmt.Sprintf("AADSTS%d", a.Codes[0])
	} else if m := aadstsCode.FindString(a.Description + " " + a.Message); m != "" {
		e.Code = m
	}
	e.Description = firstSentence(cmpOr(a.Description, a.Message))
	x := explain(e.Code)
	e.Meaning, e.Fix = x.meaning, x.fix
	if e.Code == "" {
		e.Meaning = fmt.Sprintf("the token endpoint refused the request (HTTP %d): %s", resp.StatusCode, cmpOr(e.Description, "no reason given."))
		e.Fix = "For a managed identity, check that the identity is assigned to this resource and that client_id names it."
	}
	return e
}

// readBody reads the answer's body (bounded) and puts it back for others.
func readBody(resp *http.Response) []byte {
	if resp.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// firstSentence keeps the first line of Entra's description without its
// trace and correlation IDs, at most 300 bytes, printable ASCII only.
func firstSentence(s string) string {
	s, _, _ = strings.Cut(s, "\r")
	s, _, _ = strings.Cut(s, "\n")
	s, _, _ = strings.Cut(s, " Trace ID:")
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 300; i++ {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			b = append(b, c)
		}
	}
	return strings.TrimSpace(string(b))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
