package azdotest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/credential"
)

// Entra is the simulator's Entra endpoint for a test, with one tenant
// (TenantID) and a transport that trusts its certificate.
type Entra struct {
	*azdosim.Entra
	// Sim is the simulator the tokens are for.
	Sim *Sim
	// TenantID is the tenant New's principals belong to.
	TenantID string
	// Transport trusts the endpoint's certificate (and nothing else).
	Transport http.RoundTripper
}

// Federated token issuer and subject of FederatedTokenFile, as a
// Kubernetes cluster's OIDC issuer and a service account.
const (
	FederatedIssuer  = "https://oidc.cluster.example/"
	FederatedSubject = "system:serviceaccount:azreviewer:worker"
)

// NewEntra starts sim's Entra endpoint on a loopback port with a tenant,
// and stops it when the test ends.
func NewEntra(t testing.TB, sim *Sim) *Entra {
	t.Helper()
	e, err := sim.Server.StartEntra("127.0.0.1:0")
	if err != nil {
		t.Fatalf("azdotest: start entra: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("azdotest: close entra: %v", err)
		}
	})
	pool := x509.NewCertPool()
	pool.AddCert(e.Certificate())
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	t.Cleanup(tr.CloseIdleConnections)
	tenant := uuid.NewString()
	sim.Server.AddTenant(tenant)
	return &Entra{Entra: e, Sim: sim, TenantID: tenant, Transport: tr}
}

// Options are the credential options that use the endpoint.
func (e *Entra) Options() credential.Options {
	return credential.Options{AuthorityHost: e.URL(), DisableInstanceDiscovery: true, Transport: e.Transport}
}

// ServicePrincipal registers an application named name in TenantID with a
// random client id and makes it a member of the simulator's organisation
// with level ("" : not a member).
func (e *Entra) ServicePrincipal(name string, level azdosim.AccessLevel) *azdosim.Principal {
	p := e.Sim.Server.AddServicePrincipal(e.TenantID, uuid.NewString(), azdosim.Identity{DisplayName: name, UniqueName: name + "@apps.example"})
	if level != "" {
		e.Sim.Org.AddMember(p, level)
	}
	return p
}

// SecretFile adds a random client secret to p, expiring at expires (zero:
// never), and writes it to a file of the test: its path and the secret.
func (e *Entra) SecretFile(t testing.TB, p *azdosim.Principal, expires time.Time) (path, secret string) {
	t.Helper()
	secret = "sim~" + newPAT()[:40]
	p.AddSecret(secret, expires)
	return writeFile(t, "client-secret", []byte(secret+"\n")), secret
}

// CertificateFile makes a certificate, registers it with p when register
// is true, and writes it with its key to a PEM file of the test.
func (e *Entra) CertificateFile(t testing.TB, p *azdosim.Principal, register bool) string {
	t.Helper()
	cert, pemData, err := azdosim.NewClientCertificate(p.Identity().DisplayName)
	if err != nil {
		t.Fatalf("azdotest: certificate: %v", err)
	}
	if register {
		p.AddCertificate(cert)
	}
	return writeFile(t, "client.pem", pemData)
}

// FederatedTokenFile trusts FederatedIssuer and subject for p (when
// register is true) and writes a service account token of theirs,
// expiring at expires, to a file of the test: its path and the token.
func (e *Entra) FederatedTokenFile(t testing.TB, p *azdosim.Principal, subject string, register bool, expires time.Time) (path, token string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("azdotest: key: %v", err)
	}
	if register {
		p.AddFederatedCredential(FederatedIssuer, FederatedSubject, &key.PublicKey)
	}
	token, err = jwt.NewWithClaims(jwt.SigningMethodES256, jwt.RegisteredClaims{
		Issuer: FederatedIssuer, Subject: subject, Audience: jwt.ClaimStrings{"api://AzureADTokenExchange"},
		IssuedAt: jwt.NewNumericDate(expires.Add(-time.Hour)), NotBefore: jwt.NewNumericDate(expires.Add(-time.Hour)), ExpiresAt: jwt.NewNumericDate(expires),
	}).SignedString(key)
	if err != nil {
		t.Fatalf("azdotest: sign: %v", err)
	}
	return writeFile(t, "azure-identity-token", []byte(token)), token
}

// ManagedIdentityEnv points azidentity's managed identity credential at the
// endpoint (App Service's IDENTITY_ENDPOINT and IDENTITY_HEADER) for the
// rest of the test, which therefore cannot be parallel.
func (e *Entra) ManagedIdentityEnv(t testing.TB) {
	t.Helper()
	t.Setenv("IDENTITY_ENDPOINT", e.ManagedIdentityEndpoint())
	t.Setenv("IDENTITY_HEADER", e.ManagedIdentityHeader())
}

func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("azdotest: write %s: %v", name, err)
	}
	return path
}
