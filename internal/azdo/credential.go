package azdo

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// Credential authorises a Client's requests to its organisation. The Client
// asks for the header value before every attempt, so a credential that holds
// an expiring token refreshes it there; the value is sent only to the
// organisation's own scheme and host, and never logged or traced.
type Credential interface {
	// Authorization returns the value of the Authorization header.
	Authorization(ctx context.Context) (string, error)
	// Identity names who calls without revealing a secret — "pat:" and a
	// fingerprint, or the kind and the client id of an Entra identity. It
	// keys the limiter and appears on spans and in diagnoses.
	Identity() string
}

// CredentialError is a Credential's failure to give a header value: no
// request was sent. Its Identity is the credential's, never a secret.
type CredentialError struct {
	Identity string
	Err      error
}

func (e *CredentialError) Error() string {
	return fmt.Sprintf("azure devops: credential %s: %v", e.Identity, e.Err)
}

func (e *CredentialError) Unwrap() error { return e.Err }

// PAT returns the Credential of a personal access token: Basic
// authentication with an empty user name, as the SDK's PAT connection sends.
func PAT(token string) Credential { return patCredential{token: token} }

type patCredential struct{ token string }

func (p patCredential) Authorization(context.Context) (string, error) {
	if p.token == "" {
		return "", errors.New("the personal access token is empty")
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(":"+p.token)), nil
}

// Identity is "pat:" and the first 8 hex digits of the token's SHA-256: two
// processes with one PAT share it, and the token cannot be recovered from it.
func (p patCredential) Identity() string {
	sum := sha256.Sum256([]byte(p.token))
	return "pat:" + hex.EncodeToString(sum[:4])
}

// String keeps the token out of any %v of the credential.
func (p patCredential) String() string { return p.Identity() }
