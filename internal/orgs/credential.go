package orgs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// CredentialSpec is an organisation's credential key: exactly one kind.
// This build authenticates with a personal access token only (pat, or
// pat_file: a file holding it, read when the organisations are loaded);
// the Entra ID kinds are recognised, and refused by [NewCredential].
type CredentialSpec struct {
	PAT     string `yaml:"pat"`
	PATFile string `yaml:"pat_file"`
	// The Microsoft Entra ID kinds, kept as written.
	ServicePrincipal *map[string]any `yaml:"service_principal"`
	ManagedIdentity  *map[string]any `yaml:"managed_identity"`
	WorkloadIdentity *map[string]any `yaml:"workload_identity"`
}

// The credential kinds, as the file names them.
const (
	KindPAT              = "pat"
	KindPATFile          = "pat_file"
	KindServicePrincipal = "service_principal"
	KindManagedIdentity  = "managed_identity"
	KindWorkloadIdentity = "workload_identity"
)

// kinds lists the kinds set.
func (s CredentialSpec) kinds() []string {
	var out []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{KindPAT, s.PAT != ""}, {KindPATFile, s.PATFile != ""},
		{KindServicePrincipal, s.ServicePrincipal != nil},
		{KindManagedIdentity, s.ManagedIdentity != nil},
		{KindWorkloadIdentity, s.WorkloadIdentity != nil},
	} {
		if k.set {
			out = append(out, k.name)
		}
	}
	return out
}

// Kind is the kind set ("" when none or several are).
func (s CredentialSpec) Kind() string {
	if k := s.kinds(); len(k) == 1 {
		return k[0]
	}
	return ""
}

// Validate checks that exactly one kind is set.
func (s CredentialSpec) Validate() error {
	switch k := s.kinds(); len(k) {
	case 1:
		return nil
	case 0:
		return errors.New("no credential: set one of pat, pat_file, service_principal, managed_identity, workload_identity")
	default:
		return fmt.Errorf("%s are set; set exactly one kind of credential", strings.Join(k, " and "))
	}
}

// String names the kind, never a secret.
func (s CredentialSpec) String() string { return "credential " + s.Kind() }

// LogValue keeps the token out of logs.
func (s CredentialSpec) LogValue() slog.Value { return slog.StringValue(s.Kind()) }

// decodeCredential decodes the credential key: its yaml tags are the
// contract, unknown keys are problems.
func decodeCredential(d *repoconfig.Decoder, n ast.Node, at string) CredentialSpec {
	n = d.Resolve(n, at)
	if n == nil {
		return CredentialSpec{}
	}
	if _, ok := n.(*ast.MappingNode); !ok {
		if _, ok := n.(*ast.MappingValueNode); !ok {
			d.Add(n, at, "expected a mapping with one of pat, pat_file, service_principal, managed_identity, workload_identity")
			return CredentialSpec{}
		}
	}
	var s CredentialSpec
	if err := yaml.NodeToValue(n, &s, yaml.DisallowUnknownField()); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			// The token is the offending key or value.
			d.Add(ast.String(ye.GetToken()), at, "%s", ye.GetMessage())
		} else {
			d.Add(n, at, "%s", err)
		}
		return CredentialSpec{}
	}
	s.PAT, s.PATFile = strings.TrimSpace(s.PAT), strings.TrimSpace(s.PATFile)
	if err := s.Validate(); err != nil {
		d.Add(n, at, "%s", err)
	}
	return s
}

// CredentialOptions are what building a credential may need besides its
// spec: Entra's authority host, the HTTP transport, the environment.
type CredentialOptions struct {
	AuthorityHost            string
	DisableInstanceDiscovery bool
	Transport                http.RoundTripper
	Env                      func(string) string
}

// NewCredential returns the organisation's credential. A pat_file is read
// now: a rotated token is picked up when the organisations are loaded
// again (SIGHUP).
func (o Organization) NewCredential(ctx context.Context, opts CredentialOptions) (azdo.Credential, error) {
	cred, err := buildCredential(ctx, o.Credential, opts)
	if err != nil {
		return nil, fmt.Errorf("organisation %s: %w", o.Name, err)
	}
	return cred, nil
}

// buildCredential turns a spec into a credential: the one place that knows
// the kinds.
func buildCredential(_ context.Context, s CredentialSpec, _ CredentialOptions) (azdo.Credential, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	switch s.Kind() {
	case KindPAT:
		return azdo.PAT(s.PAT), nil
	case KindPATFile:
		b, err := os.ReadFile(s.PATFile)
		if err != nil {
			return nil, fmt.Errorf("read pat_file: %w", err)
		}
		pat := strings.TrimSpace(string(b))
		if pat == "" {
			return nil, fmt.Errorf("pat_file %s is empty", s.PATFile)
		}
		return azdo.PAT(pat), nil
	default:
		return nil, fmt.Errorf("credential kind %s is not supported by this build; use pat or pat_file", s.Kind())
	}
}
