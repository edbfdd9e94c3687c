package azdotest

import (
	"encoding/base64"
	"encoding/pem"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/credential"
)

// EntraFailure is one way an Entra credential fails, for the tests of
// every package that reports it (credential, doctor, the traces).
type EntraFailure struct {
	Name string
	// Make registers what the failure needs with the endpoint and returns
	// the credential's spec and the secrets involved (which no error, log
	// line or span may hold).
	Make func(t testing.TB, e *Entra) (spec credential.Spec, secrets []string)
	// Break, if set, makes the failure after the credential was built (a
	// file that went missing): token requests fail, credential.New did not.
	Break func(t testing.TB, spec credential.Spec)
	// Code is Entra's AADSTS code; "" for a file failure.
	Code string
	// Kind is the client's failure kind, the span's error.type.
	Kind azdo.Kind
	// Fix is part of the fix the diagnosis prints.
	Fix string
}

// Start makes the failure against a new simulator and its Entra endpoint:
// the simulator, the credential (built, then broken when Break says so),
// whose token requests fail, and the secrets involved.
func (f EntraFailure) Start(t testing.TB) (*Sim, azdo.Credential, []string) {
	t.Helper()
	sim := New(t)
	e := NewEntra(t, sim)
	spec, secrets := f.Make(t, e)
	cred, err := credential.New(t.Context(), spec, e.Options())
	if err != nil {
		t.Fatalf("azdotest: %s: credential.New: %v", f.Name, err)
	}
	if f.Break != nil {
		f.Break(t, spec)
	}
	return sim, cred, secrets
}

// EntraFailures lists every failure mode of an Entra credential.
func EntraFailures() []EntraFailure {
	secretSpec := func(e *Entra, p *azdosim.Principal, path string) credential.Spec {
		return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}
	}
	workload := func(e *Entra, p *azdosim.Principal, path string) credential.Spec {
		return credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: e.TenantID, ClientID: p.ClientID(), TokenFile: path}}
	}
	return []EntraFailure{
		{Name: "invalid client secret", Code: "AADSTS7000215", Kind: azdo.KindEntraRefused, Fix: "not its Secret ID",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				_, good := e.SecretFile(t, p, time.Time{})
				path, wrong := e.SecretFile(t, e.ServicePrincipal("other", azdosim.AccessBasic), time.Time{})
				return secretSpec(e, p, path), []string{good, wrong}
			}},
		{Name: "expired client secret", Code: "AADSTS7000222", Kind: azdo.KindSecretExpired, Fix: "Create a new client secret",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, secret := e.SecretFile(t, p, time.Now().Add(-time.Hour))
				return secretSpec(e, p, path), []string{secret}
			}},
		{Name: "application not found", Code: "AADSTS700016", Kind: azdo.KindEntraRefused, Fix: "Check client_id",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, secret := e.SecretFile(t, p, time.Time{})
				s := secretSpec(e, p, path)
				s.ServicePrincipal.ClientID = "9d7e3c55-0000-4000-8000-00000000abcd"
				return s, []string{secret}
			}},
		{Name: "tenant not found", Code: "AADSTS90002", Kind: azdo.KindEntraRefused, Fix: "Set tenant_id",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, secret := e.SecretFile(t, p, time.Time{})
				s := secretSpec(e, p, path)
				s.ServicePrincipal.TenantID = "0f0f0f0f-0000-4000-8000-000000000000"
				return s, []string{secret}
			}},
		{Name: "certificate not registered", Code: "AADSTS700027", Kind: azdo.KindEntraRefused, Fix: "Upload the certificate's public part",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path := e.CertificateFile(t, p, false)
				return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), CertificateFile: path}}, privateKeyLines(t, path)
			}},
		{Name: "federated token expired", Code: "AADSTS700024", Kind: azdo.KindEntraRefused, Fix: "projected service account token",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, tok := e.FederatedTokenFile(t, p, FederatedSubject, true, time.Now().Add(-time.Minute))
				return workload(e, p, path), []string{tok}
			}},
		{Name: "no matching federated credential", Code: "AADSTS70021", Kind: azdo.KindEntraRefused, Fix: "Add a federated credential",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, tok := e.FederatedTokenFile(t, p, "system:serviceaccount:other:default", true, time.Now().Add(time.Hour))
				return workload(e, p, path), []string{tok}
			}},
		{Name: "federated token file missing", Kind: azdo.KindTokenFile, Fix: "azure.workload.identity/use",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, tok := e.FederatedTokenFile(t, p, FederatedSubject, true, time.Now().Add(time.Hour))
				return workload(e, p, path), []string{tok}
			},
			Break: func(t testing.TB, s credential.Spec) {
				if err := os.Remove(s.WorkloadIdentity.TokenFile); err != nil {
					t.Fatal(err)
				}
			}},
		{Name: "certificate file unreadable", Kind: azdo.KindCertificate, Fix: "hold the certificate and its unencrypted private key",
			Make: func(t testing.TB, e *Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path := e.CertificateFile(t, p, true)
				return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), CertificateFile: path}}, privateKeyLines(t, path)
			},
			Break: func(t testing.TB, s credential.Spec) {
				if err := os.WriteFile(s.ServicePrincipal.CertificateFile, []byte("not a certificate"), 0o600); err != nil {
					t.Fatal(err)
				}
			}},
	}
}

// privateKeyLines returns the base64 lines of the private key in a PEM
// file, as secrets no output may hold.
func privateKeyLines(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return lines
		}
		if strings.Contains(b.Type, "PRIVATE KEY") {
			enc := base64.StdEncoding.EncodeToString(b.Bytes)
			for len(enc) > 64 {
				lines = append(lines, enc[:64])
				enc = enc[64:]
			}
		}
	}
}

// JWT matches a JSON Web Token (a client assertion, a federated token, an
// access token of the JWT kind): no log line, span or error may hold one.
var JWT = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.`)
