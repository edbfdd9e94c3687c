package credential

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// Scope is the token scope of Azure DevOps' Entra resource.
const Scope = "499b84ac-1321-427f-aa17-267ca6975798/.default"

// EnvAuthorityHost is the environment variable of the Entra authority host
// (a sovereign cloud's), read through Options.Env when AuthorityHost is empty.
const EnvAuthorityHost = "AZURE_AUTHORITY_HOST"

// Clock is the time source of token refreshes.
type Clock interface{ Now() time.Time }

// Options are what New needs besides the Spec.
type Options struct {
	// AuthorityHost is Entra's authority host, e.g.
	// https://login.microsoftonline.com/. Empty: AZURE_AUTHORITY_HOST from
	// Env, else the public cloud's. It must be https.
	AuthorityHost string
	// DisableInstanceDiscovery skips Entra's instance discovery (for
	// authority hosts other than Microsoft's, such as a test's).
	DisableInstanceDiscovery bool
	// Transport carries the token requests. Default http.DefaultTransport.
	Transport http.RoundTripper
	// Env reads the environment (os.Getenv in the processes; nil: none),
	// for a workload identity's fallbacks and AZURE_AUTHORITY_HOST.
	Env func(string) string
	// Clock decides when a cached token is refreshed. Default: the wall
	// clock.
	Clock Clock
}

// New returns the credential s describes. PAT kinds return azdo.PAT (a
// pat_file read once, trimmed); Entra kinds make no network call until the
// first Authorization. Files a kind needs are read now — an unreadable one
// is a *FileError — and again before every token request, so a rotated
// client secret, certificate or federated token is picked up without a
// restart, and one that went missing is reported with the request.
func New(ctx context.Context, s Spec, o Options) (azdo.Credential, error) {
	_ = ctx // building a credential makes no call; kept for symmetry with the token requests
	s = s.Resolve(o.Env)
	if err := s.Validate(); err != nil {
		return nil, err
	}
	switch s.Kind() {
	case KindPAT:
		if s.PAT != "" {
			return azdo.PAT(s.PAT), nil
		}
		pat, err := readSecret(KeyPATFile, s.PATFile)
		if err != nil {
			return nil, err
		}
		return azdo.PAT(pat), nil
	case KindServicePrincipal:
		return servicePrincipal(s.ServicePrincipal, o)
	case KindManagedIdentity:
		return managedIdentity(s.ManagedIdentity, o)
	default:
		return workloadIdentity(s.WorkloadIdentity, o)
	}
}

func clientOptions(o Options) (azcore.ClientOptions, error) {
	host := o.AuthorityHost
	if host == "" && o.Env != nil {
		host = o.Env(EnvAuthorityHost)
	}
	c := cloud.AzurePublic
	if host != "" {
		if !strings.HasPrefix(host, "https://") {
			return azcore.ClientOptions{}, fmt.Errorf("credential: authority host %q is not an https URL", host)
		}
		c = cloud.Configuration{ActiveDirectoryAuthorityHost: host}
	}
	// azidentity logs only through azcore's log listener, which azreviewer
	// never sets: nothing of a token request reaches the logs.
	co := azcore.ClientOptions{Cloud: c}
	if o.Transport != nil {
		co.Transport = &http.Client{Transport: o.Transport}
	}
	return co, nil
}

func servicePrincipal(sp *ServicePrincipal, o Options) (azdo.Credential, error) {
	co, err := clientOptions(o)
	if err != nil {
		return nil, err
	}
	identity := KindServicePrincipal + ":" + sp.ClientID
	switch {
	case sp.CertificateFile != "":
		src := &fileSource{key: KeyCertificateFile, path: sp.CertificateFile, build: func(data []byte) (azcore.TokenCredential, error) {
			certs, pk, err := azidentity.ParseCertificates(data, nil)
			if err != nil {
				// ParseCertificates' error names no content.
				return nil, &FileError{Key: KeyCertificateFile, Path: sp.CertificateFile,
					Problem: "is not a certificate with its private key (PEM, or PKCS#12 without a password)", Err: err}
			}
			return azidentity.NewClientCertificateCredential(sp.TenantID, sp.ClientID, certs, pk, &azidentity.ClientCertificateCredentialOptions{
				ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery,
			})
		}}
		if err := src.load(); err != nil {
			return nil, err
		}
		return newEntra(identity, src, nil, o.Clock), nil
	case sp.ClientSecretFile != "":
		src := &fileSource{key: KeyClientSecretFile, path: sp.ClientSecretFile, build: func(data []byte) (azcore.TokenCredential, error) {
			secret := strings.TrimSpace(string(data))
			if secret == "" {
				return nil, &FileError{Key: KeyClientSecretFile, Path: sp.ClientSecretFile, Problem: "is empty"}
			}
			return azidentity.NewClientSecretCredential(sp.TenantID, sp.ClientID, secret, &azidentity.ClientSecretCredentialOptions{
				ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery,
			})
		}}
		if err := src.load(); err != nil {
			return nil, err
		}
		return newEntra(identity, src, nil, o.Clock), nil
	default:
		tc, err := azidentity.NewClientSecretCredential(sp.TenantID, sp.ClientID, sp.ClientSecret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: co, DisableInstanceDiscovery: o.DisableInstanceDiscovery,
		})
		if err != nil {
			return nil, fmt.Errorf("credential %s: %w", identity, err)
		}
		return newEntra(identity, tc, nil, o.Clock), nil
	}
}

func managedIdentity(mi *ManagedIdentity, o Options) (azdo.Credential, error) {
	co, err := clientOptions(o)
	if err != nil {
		return nil, err
	}
	opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
	identity := KindManagedIdentity + ":system"
	if mi.ClientID != "" {
		opts.ID = azidentity.ClientID(mi.ClientID)
		identity = KindManagedIdentity + ":" + mi.ClientID
	}
	// Where the token comes from (IMDS, App Service's IDENTITY_ENDPOINT, …)
	// is what the Azure resource sets in the process's environment, which
	// azidentity reads itself.
	tc, err := azidentity.NewManagedIdentityCredential(opts)
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", identity, err)
	}
	return newEntra(identity, tc, nil, o.Clock), nil
}

func workloadIdentity(w *WorkloadIdentity, o Options) (azdo.Credential, error) {
	co, err := clientOptions(o)
	if err != nil {
		return nil, err
	}
	identity := KindWorkloadIdentity + ":" + w.ClientID
	const key = KeyTokenFile
	// azidentity reads the file for each token; reading it first gives a
	// missing or empty file its own error.
	check := func() error {
		b, err := os.ReadFile(w.TokenFile)
		switch {
		case errors.Is(err, os.ErrNotExist):
			return &FileError{Key: key, Path: w.TokenFile, Problem: "does not exist", Err: err}
		case err != nil:
			return &FileError{Key: key, Path: w.TokenFile, Problem: "cannot be read", Err: err}
		case len(strings.TrimSpace(string(b))) == 0:
			return &FileError{Key: key, Path: w.TokenFile, Problem: "is empty"}
		}
		return nil
	}
	tc, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
		ClientOptions: co, ClientID: w.ClientID, TenantID: w.TenantID, TokenFilePath: w.TokenFile,
		DisableInstanceDiscovery: o.DisableInstanceDiscovery,
	})
	if err != nil {
		return nil, fmt.Errorf("credential %s: %w", identity, err)
	}
	if err := check(); err != nil {
		return nil, err
	}
	return newEntra(identity, tc, check, o.Clock), nil
}

// readSecret reads a PAT or client secret file: trimmed, not empty. Its
// error names the file, never the content.
func readSecret(key, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", &FileError{Key: key, Path: path, Problem: "cannot be read", Err: err}
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", &FileError{Key: key, Path: path, Problem: "is empty"}
	}
	return v, nil
}
