package credential

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode"

	"github.com/google/uuid"
)

// Spec is one organisation's credential as the organisations file writes it
// (the key "credential"). Exactly one of its fields is set.
type Spec struct {
	// PAT is a personal access token, written in the file (discouraged:
	// prefer PATFile).
	PAT string `yaml:"pat"`
	// PATFile is a file holding a personal access token; surrounding white
	// space is ignored.
	PATFile string `yaml:"pat_file"`
	// ServicePrincipal is a Microsoft Entra ID application.
	ServicePrincipal *ServicePrincipal `yaml:"service_principal"`
	// ManagedIdentity is the Azure resource's managed identity.
	ManagedIdentity *ManagedIdentity `yaml:"managed_identity"`
	// WorkloadIdentity is workload identity federation: a service account
	// token exchanged for an Entra token, as on Kubernetes.
	WorkloadIdentity *WorkloadIdentity `yaml:"workload_identity"`
}

// ServicePrincipal is an Entra application that signs in with a client
// secret or a certificate; exactly one of ClientSecret, ClientSecretFile and
// CertificateFile is set.
type ServicePrincipal struct {
	// TenantID is the directory (tenant) ID the organisation is connected to.
	TenantID string `yaml:"tenant_id"`
	// ClientID is the application (client) ID of the app registration.
	ClientID string `yaml:"client_id"`
	// ClientSecret is the secret's value, written in the file
	// (discouraged: prefer ClientSecretFile).
	ClientSecret string `yaml:"client_secret"`
	// ClientSecretFile is a file holding the secret's value; surrounding
	// white space is ignored.
	ClientSecretFile string `yaml:"client_secret_file"`
	// CertificateFile is a PEM (or PKCS#12 without a password) file holding
	// the certificate and its private key.
	CertificateFile string `yaml:"certificate_file"`
}

// ManagedIdentity is the managed identity of the Azure resource the
// process runs on.
type ManagedIdentity struct {
	// ClientID selects a user-assigned identity; empty: the system-assigned
	// one.
	ClientID string `yaml:"client_id"`
}

// WorkloadIdentity exchanges a federated token (a Kubernetes service
// account token) for an Entra token of the application. Empty fields take
// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE, as the
// Azure workload identity webhook sets them (see [Spec.Resolve]).
type WorkloadIdentity struct {
	TenantID  string `yaml:"tenant_id"`
	ClientID  string `yaml:"client_id"`
	TokenFile string `yaml:"token_file"`
}

// The kinds of credential, as Kind names them.
const (
	KindPAT              = "pat"
	KindPATFile          = "pat_file"
	KindServicePrincipal = "service_principal"
	KindManagedIdentity  = "managed_identity"
	KindWorkloadIdentity = "workload_identity"
)

// Kind names the credential's kind: "pat" (for pat and pat_file alike),
// "service_principal", "managed_identity" or "workload_identity"; "" when
// none is set, and the first set when several are.
func (s Spec) Kind() string {
	switch k := s.kinds(); {
	case len(k) == 0:
		return ""
	case k[0] == KindPATFile:
		return KindPAT
	default:
		return k[0]
	}
}

func (s Spec) kinds() []string {
	var k []string
	if s.PAT != "" {
		k = append(k, KindPAT)
	}
	if s.PATFile != "" {
		k = append(k, KindPATFile)
	}
	if s.ServicePrincipal != nil {
		k = append(k, KindServicePrincipal)
	}
	if s.ManagedIdentity != nil {
		k = append(k, KindManagedIdentity)
	}
	if s.WorkloadIdentity != nil {
		k = append(k, KindWorkloadIdentity)
	}
	return k
}

// Environment variables a workload identity falls back to.
const (
	EnvTenantID           = "AZURE_TENANT_ID"
	EnvClientID           = "AZURE_CLIENT_ID"
	EnvFederatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
)

// Resolve returns s with a workload identity's empty fields taken from env
// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE); nil env
// changes nothing. New resolves before it validates.
func (s Spec) Resolve(env func(string) string) Spec {
	if s.WorkloadIdentity == nil || env == nil {
		return s
	}
	w := *s.WorkloadIdentity
	if w.TenantID == "" {
		w.TenantID = env(EnvTenantID)
	}
	if w.ClientID == "" {
		w.ClientID = env(EnvClientID)
	}
	if w.TokenFile == "" {
		w.TokenFile = env(EnvFederatedTokenFile)
	}
	s.WorkloadIdentity = &w
	return s
}

// FieldError is one problem of a Spec, naming its key, e.g.
// "credential.service_principal.client_id is empty".
type FieldError struct {
	// Key is the key's path, e.g. "credential.service_principal.client_id".
	Key string
	// Problem says what is wrong with it.
	Problem string
	// Env is the environment variable that fills the key when the file
	// leaves it out ([Spec.Resolve]), when there is one and the key is
	// empty: a check of the file without the processes' environment need
	// not count it as a mistake.
	Env string
}

func (e *FieldError) Error() string { return e.Key + " " + e.Problem }

// Validate reports every problem of s (each a *FieldError, joined): exactly
// one kind must be set, with its required fields. It reads no file; call
// Resolve first for a workload identity that relies on the environment.
func (s Spec) Validate() error {
	kinds := s.kinds()
	switch len(kinds) {
	case 0:
		return &FieldError{Key: "credential", Problem: "is empty: set one of pat_file, pat, service_principal, managed_identity or workload_identity"}
	case 1:
	default:
		return &FieldError{Key: "credential", Problem: fmt.Sprintf("sets %s: set exactly one", strings.Join(kinds, " and "))}
	}
	var errs []error
	problem := func(key, p string) { errs = append(errs, &FieldError{Key: "credential." + key, Problem: p}) }
	switch kinds[0] {
	case KindPAT:
		if strings.TrimSpace(s.PAT) != s.PAT {
			problem("pat", "has white space around the token")
		}
	case KindServicePrincipal:
		sp := s.ServicePrincipal
		tenant(problem, "service_principal.tenant_id", sp.TenantID)
		clientID(problem, "service_principal.client_id", sp.ClientID, true)
		n := 0
		for _, v := range []string{sp.ClientSecret, sp.ClientSecretFile, sp.CertificateFile} {
			if v != "" {
				n++
			}
		}
		switch n {
		case 0:
			problem("service_principal", "has no client_secret_file, certificate_file or client_secret: set one")
		case 1:
		default:
			problem("service_principal", "sets more than one of client_secret, client_secret_file and certificate_file: set one")
		}
	case KindManagedIdentity:
		clientID(problem, "managed_identity.client_id", s.ManagedIdentity.ClientID, false)
	case KindWorkloadIdentity:
		w := s.WorkloadIdentity
		fromEnv := func(key, env string) {
			errs = append(errs, &FieldError{Key: "credential." + key, Problem: "is empty (and " + env + " is not set)", Env: env})
		}
		if w.TenantID == "" {
			fromEnv("workload_identity.tenant_id", EnvTenantID)
		} else {
			tenant(problem, "workload_identity.tenant_id", w.TenantID)
		}
		if w.ClientID == "" {
			fromEnv("workload_identity.client_id", EnvClientID)
		} else {
			clientID(problem, "workload_identity.client_id", w.ClientID, true)
		}
		if w.TokenFile == "" {
			fromEnv("workload_identity.token_file", EnvFederatedTokenFile)
		}
	}
	return errors.Join(errs...)
}

func tenant(problem func(key, p string), key, v string) {
	switch {
	case v == "":
		problem(key, "is empty")
	case !validTenant(v):
		// The value is not repeated: it may be a secret written in the
		// wrong place.
		problem(key, "is not a tenant ID (a GUID) or a domain name")
	}
}

// validTenant accepts what Entra accepts in the authority path: letters,
// digits, '-' and '.'.
func validTenant(v string) bool {
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func clientID(problem func(key, p string), key, v string, required bool) {
	switch {
	case v == "" && required:
		problem(key, "is empty")
	case v == "":
	case uuid.Validate(v) != nil:
		problem(key, "is not a GUID (the application (client) ID from the app registration's overview)")
	}
}

// String names the kind, never a token or secret: a Spec printed with %v
// (alone or inside another value) shows "credential service_principal".
func (s Spec) String() string { return "credential " + s.Kind() }

// LogValue keeps tokens and secrets out of logs.
func (s Spec) LogValue() slog.Value { return slog.StringValue(s.Kind()) }

// Describe says what s is for an operator, never a token or secret: its
// kind, an Entra identity's client ID (a GUID: [Spec.Validate]; or the
// variable of the environment it is left to) and the keys of the files it
// names, e.g. "pat_file" or "pat, written in the file". Neither the tenant
// nor a file's path is shown: a token pasted there by mistake could pass
// for a tenant's name or a file's.
func (s Spec) Describe() string {
	orEnv := func(v, env string) string {
		if v == "" {
			return "from " + env
		}
		return quote(v)
	}
	switch s.Kind() {
	case "":
		return "none"
	case KindPAT:
		if s.PAT != "" {
			return "pat, written in the file"
		}
		return "pat_file"
	case KindServicePrincipal:
		sp := s.ServicePrincipal
		d := "service_principal, client " + quote(sp.ClientID) + ", "
		switch {
		case sp.CertificateFile != "":
			return d + "certificate_file"
		case sp.ClientSecretFile != "":
			return d + "client_secret_file"
		}
		return d + "client_secret written in the file"
	case KindManagedIdentity:
		if s.ManagedIdentity.ClientID == "" {
			return "managed_identity, system-assigned"
		}
		return "managed_identity, client " + quote(s.ManagedIdentity.ClientID)
	default:
		w := s.WorkloadIdentity
		d := "workload_identity, client " + orEnv(w.ClientID, EnvClientID)
		if w.TenantID == "" {
			d += ", tenant from " + EnvTenantID
		}
		if w.TokenFile == "" {
			return d + ", token_file from " + EnvFederatedTokenFile
		}
		return d + ", token_file"
	}
}

// quote quotes v when it has white space or a character that is not
// printable, so that a line of output is one line and reads unambiguously.
func quote(v string) string {
	if v == "" || strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(v)
	}
	return v
}
