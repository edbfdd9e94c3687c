package orgs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// CredentialSpec is an organisation's credential key: exactly one kind
// (see [credential.Spec]).
type CredentialSpec = credential.Spec

// CredentialOptions are what building a credential may need besides its
// spec: Entra's authority host, the HTTP transport, the environment.
type CredentialOptions = credential.Options

// decodeCredential decodes the credential key: its yaml tags are the
// contract, unknown keys are problems.
func decodeCredential(d *repoconfig.Decoder, n ast.Node, at string, env func(string) string) CredentialSpec {
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
	s = s.Resolve(env)
	if err := s.Validate(); err != nil {
		d.Add(n, at, "%s", err)
	}
	return s
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
// the kinds is the credential package.
func buildCredential(ctx context.Context, s CredentialSpec, opts CredentialOptions) (azdo.Credential, error) {
	return credential.New(ctx, s, opts)
}
