package credential_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/credential"
)

const (
	tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	client = "0b3f7a51-2c7e-4c1f-9d0a-5b6f3e9b1c22"
)

func TestSpecValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		spec     credential.Spec
		wantKind string
		wantErrs []string // each a problem's text; none: valid
	}{
		{name: "pat", spec: credential.Spec{PAT: "abc"}, wantKind: "pat"},
		{name: "pat file", spec: credential.Spec{PATFile: "/run/secrets/pat"}, wantKind: "pat"},
		{name: "empty", spec: credential.Spec{}, wantErrs: []string{"credential is empty: set one of pat_file, pat, service_principal, managed_identity or workload_identity"}},
		{name: "two kinds", spec: credential.Spec{PATFile: "/p", ManagedIdentity: &credential.ManagedIdentity{}}, wantKind: "pat",
			wantErrs: []string{"credential sets pat_file and managed_identity: set exactly one"}},
		{name: "pat with white space", spec: credential.Spec{PAT: " abc\n"}, wantKind: "pat", wantErrs: []string{"credential.pat has white space around the token"}},
		{name: "service principal with secret file", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, ClientSecretFile: "/s"}}, wantKind: "service_principal"},
		{name: "service principal by tenant domain", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: "contoso.onmicrosoft.com", ClientID: client, CertificateFile: "/c.pem"}}, wantKind: "service_principal"},
		{name: "service principal without anything", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{}}, wantKind: "service_principal", wantErrs: []string{
			"credential.service_principal.tenant_id is empty",
			"credential.service_principal.client_id is empty",
			"credential.service_principal has no client_secret_file, certificate_file or client_secret: set one",
		}},
		{name: "service principal with a secret and a certificate", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, ClientSecret: "x", CertificateFile: "/c"}}, wantKind: "service_principal",
			wantErrs: []string{"credential.service_principal sets more than one of client_secret, client_secret_file and certificate_file: set one"}},
		{name: "client id not a guid", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: "contoso/../x", ClientID: "my-app", ClientSecretFile: "/s"}}, wantKind: "service_principal", wantErrs: []string{
			`credential.service_principal.tenant_id is not a tenant ID (a GUID) or a domain name`,
			`credential.service_principal.client_id is not a GUID (the application (client) ID from the app registration's overview)`,
		}},
		{name: "system-assigned managed identity", spec: credential.Spec{ManagedIdentity: &credential.ManagedIdentity{}}, wantKind: "managed_identity"},
		{name: "user-assigned managed identity", spec: credential.Spec{ManagedIdentity: &credential.ManagedIdentity{ClientID: client}}, wantKind: "managed_identity"},
		{name: "workload identity", spec: credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: tenant, ClientID: client, TokenFile: "/t"}}, wantKind: "workload_identity"},
		{name: "workload identity without its fields", spec: credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{}}, wantKind: "workload_identity", wantErrs: []string{
			"credential.workload_identity.tenant_id is empty (and AZURE_TENANT_ID is not set)",
			"credential.workload_identity.client_id is empty (and AZURE_CLIENT_ID is not set)",
			"credential.workload_identity.token_file is empty (and AZURE_FEDERATED_TOKEN_FILE is not set)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.wantKind, tt.spec.Kind())
			err := tt.spec.Validate()
			if len(tt.wantErrs) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			var got []string
			for _, e := range unjoin(err) {
				var fe *credential.FieldError
				require.ErrorAs(t, e, &fe)
				got = append(got, fe.Error())
			}
			require.Equal(t, tt.wantErrs, got)
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestResolveTakesTheEnvironment: a workload identity's empty fields come
// from AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE, as
// the workload identity webhook sets them; given fields win.
func TestResolveTakesTheEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": client, "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token"}
	s := credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{ClientID: "11111111-2222-3333-4444-555555555555"}}.Resolve(func(k string) string { return env[k] })
	require.NoError(t, s.Validate())
	require.Equal(t, credential.WorkloadIdentity{TenantID: tenant, ClientID: "11111111-2222-3333-4444-555555555555", TokenFile: env["AZURE_FEDERATED_TOKEN_FILE"]}, *s.WorkloadIdentity)
	require.Error(t, credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{}}.Resolve(nil).Validate())
}

// TestPATKinds: pat and pat_file give the PAT credential (the file
// trimmed); an empty or missing file is a *FileError naming the key and
// the path, never the content.
func TestPATKinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	tests := []struct {
		name    string
		spec    credential.Spec
		want    string // the header's credential, as azdo.PAT gives it
		wantErr string
	}{
		{name: "pat", spec: credential.Spec{PAT: "tok1"}, want: "tok1"},
		{name: "pat file, trimmed", spec: credential.Spec{PATFile: write("pat", "  tok2\n")}, want: "tok2"},
		{name: "empty pat file", spec: credential.Spec{PATFile: write("empty", " \n")}, wantErr: "credential.pat_file: the file it names is empty"},
		{name: "missing pat file", spec: credential.Spec{PATFile: filepath.Join(dir, "nope")}, wantErr: "credential.pat_file: the file it names cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := credential.New(t.Context(), tt.spec, credential.Options{})
			if tt.wantErr != "" {
				var fe *credential.FileError
				require.ErrorAs(t, err, &fe)
				require.ErrorContains(t, err, tt.wantErr)
				require.NotContains(t, err.Error(), dir, "a path may be a secret pasted under the key")
				return
			}
			require.NoError(t, err)
			got, err := c.Authorization(t.Context())
			require.NoError(t, err)
			want, _ := patHeader(tt.want)
			require.Equal(t, want, got)
			require.Regexp(t, `^pat:[0-9a-f]{8}$`, c.Identity())
		})
	}
}

// TestSpecDecodesTheIssuesKeys: the organisations file's credential keys
// decode into Spec, each entry one valid kind.
func TestSpecDecodesTheIssuesKeys(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "organizations.yaml"))
	require.NoError(t, err)
	var file struct {
		Organizations []struct {
			URL        string          `yaml:"url"`
			Credential credential.Spec `yaml:"credential"`
		} `yaml:"organizations"`
	}
	require.NoError(t, yaml.UnmarshalWithOptions(data, &file, yaml.DisallowUnknownField()))
	var kinds []string
	for _, o := range file.Organizations {
		require.NoError(t, o.Credential.Validate(), o.URL)
		kinds = append(kinds, o.Credential.Kind())
	}
	require.Equal(t, []string{"pat", "service_principal", "service_principal", "managed_identity", "managed_identity", "workload_identity"}, kinds)
	require.Equal(t, "/run/secrets/contoso-secret", file.Organizations[1].Credential.ServicePrincipal.ClientSecretFile)
	require.Equal(t, "/run/secrets/northwind.pem", file.Organizations[2].Credential.ServicePrincipal.CertificateFile)
	require.Equal(t, "5d1c0b7e-1f2a-4c3b-8d4e-9f0a1b2c3d4e", file.Organizations[4].Credential.ManagedIdentity.ClientID)
	require.Equal(t, "/var/run/secrets/azure/tokens/azure-identity-token", file.Organizations[5].Credential.WorkloadIdentity.TokenFile)
}
