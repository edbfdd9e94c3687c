package credential_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/credential"
)

// TestCheckFile: every file a credential can name is read as the
// processes read it, and each way it can be unusable is a *FileError
// whose text names the key, never the file's path nor its content.
func TestCheckFile(t *testing.T) {
	t.Parallel()
	files := filepath.Join("testdata", "files")
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("x", credential.MaxCheckedFileBytes+1)), 0o600))
	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	tests := []struct {
		name    string
		file    credential.File
		wantErr string // the FileError's text; "": usable
	}{
		{"pat file", credential.File{Key: credential.KeyPATFile, Path: filepath.Join(files, "pat")}, ""},
		{"client secret file", credential.File{Key: credential.KeyClientSecretFile, Path: filepath.Join(files, "client-secret")}, ""},
		{"token file", credential.File{Key: credential.KeyTokenFile, Path: filepath.Join(files, "token")}, ""},
		{"certificate with its key", credential.File{Key: credential.KeyCertificateFile, Path: filepath.Join(files, "client.pem")}, ""},
		{"missing", credential.File{Key: credential.KeyPATFile, Path: filepath.Join(files, "none")},
			"credential.pat_file: the file it names does not exist"},
		{"under a file", credential.File{Key: credential.KeyPATFile, Path: filepath.Join(files, "pat", "x")},
			"credential.pat_file: the file it names cannot be read: not a directory"},
		{"a directory", credential.File{Key: credential.KeyTokenFile, Path: files},
			"credential.workload_identity.token_file: the file it names is a directory, not a file"},
		{"a FIFO is not opened", credential.File{Key: credential.KeyPATFile, Path: fifo},
			"credential.pat_file: the file it names is not a regular file"},
		{"too large", credential.File{Key: credential.KeyClientSecretFile, Path: big},
			"credential.service_principal.client_secret_file: the file it names is larger than 1024 KiB, far more than a secret or a certificate"},
		{"empty", credential.File{Key: credential.KeyClientSecretFile, Path: filepath.Join(files, "empty")},
			"credential.service_principal.client_secret_file: the file it names is empty"},
		{"pat on two lines", credential.File{Key: credential.KeyPATFile, Path: filepath.Join(files, "two-lines")},
			"credential.pat_file: the file it names holds white space or a control character inside the token: a PAT is one word on one line"},
		{"not a certificate", credential.File{Key: credential.KeyCertificateFile, Path: filepath.Join(files, "not-a-certificate.pem")},
			"credential.service_principal.certificate_file: the file it names is not a certificate with its private key (PEM, or PKCS#12 without a password)"},
		{"a PAT is not a certificate", credential.File{Key: credential.KeyCertificateFile, Path: filepath.Join(files, "pat")},
			"credential.service_principal.certificate_file: the file it names is not a certificate with its private key (PEM, or PKCS#12 without a password)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := credential.CheckFile(tt.file)
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			var fe *credential.FileError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.file.Key, fe.Key)
			require.Equal(t, tt.file.Path, fe.Path)
			// The cause of a certificate that does not parse follows.
			require.True(t, strings.HasPrefix(err.Error(), tt.wantErr), "got %q", err.Error())
			require.NotContains(t, err.Error(), tt.file.Path, "a path may be a secret pasted under the key")
			for _, secret := range []string{"fake-pat", "fake-client-secret", "header.payload", "second-line"} {
				require.NotContains(t, err.Error(), secret)
			}
		})
	}
}

// TestCheckFileUnreadable: a file the process may not read is reported so
// (root reads every file, so there the test has nothing to prove).
func TestCheckFileUnreadable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root can read a file of mode 000")
	}
	path := filepath.Join(t.TempDir(), "pat")
	require.NoError(t, os.WriteFile(path, []byte("fake-pat\n"), 0o000))
	err := credential.CheckFile(credential.File{Key: credential.KeyPATFile, Path: path})
	require.EqualError(t, err, "credential.pat_file "+path+": cannot be read: permission denied")
}

// TestSpecFilesAndDescribe: Files lists the files of each kind, and
// Describe says what a credential is without any token or secret.
func TestSpecFilesAndDescribe(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-value"
	tests := []struct {
		name      string
		spec      credential.Spec
		wantFiles []credential.File
		want      string
	}{
		{"pat", credential.Spec{PAT: secret}, nil, "pat, written in the file"},
		{"pat file", credential.Spec{PATFile: "/run/secrets/fabrikam pat"},
			[]credential.File{{Key: "credential.pat_file", Path: "/run/secrets/fabrikam pat"}}, "pat_file"},
		{"client secret", credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, ClientSecret: secret}}, nil,
			"service_principal, client " + client + ", client_secret written in the file"},
		{"client secret file", credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, ClientSecretFile: "/s"}},
			[]credential.File{{Key: "credential.service_principal.client_secret_file", Path: "/s"}}, "service_principal, client " + client + ", client_secret_file"},
		{"certificate", credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, CertificateFile: "/c.pem"}},
			[]credential.File{{Key: "credential.service_principal.certificate_file", Path: "/c.pem"}}, "service_principal, client " + client + ", certificate_file"},
		{"a token written as the tenant", credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: secret, ClientID: client, ClientSecretFile: "/s"}},
			[]credential.File{{Key: "credential.service_principal.client_secret_file", Path: "/s"}}, "service_principal, client " + client + ", client_secret_file"},
		{"system-assigned", credential.Spec{ManagedIdentity: &credential.ManagedIdentity{}}, nil, "managed_identity, system-assigned"},
		{"user-assigned", credential.Spec{ManagedIdentity: &credential.ManagedIdentity{ClientID: client}}, nil, "managed_identity, client " + client},
		{"workload identity", credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: tenant, ClientID: client, TokenFile: "/t"}},
			[]credential.File{{Key: "credential.workload_identity.token_file", Path: "/t"}}, "workload_identity, client " + client + ", token_file"},
		{"workload identity from the environment", credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{}}, nil,
			"workload_identity, client from AZURE_CLIENT_ID, tenant from AZURE_TENANT_ID, token_file from AZURE_FEDERATED_TOKEN_FILE"},
		{"none", credential.Spec{}, nil, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.wantFiles, tt.spec.Files())
			require.Equal(t, tt.want, tt.spec.Describe())
			require.NotContains(t, tt.spec.Describe(), secret)
			for _, f := range tt.wantFiles {
				require.NotContains(t, tt.spec.Describe(), f.Path, "a path may be a secret pasted under the key")
			}
		})
	}
}

// TestValidateNamesTheEnvironment: a workload identity's field left empty
// is a problem that says which variable would fill it, so that a check
// without the processes' environment can tell it from a mistake.
func TestValidateNamesTheEnvironment(t *testing.T) {
	t.Parallel()
	err := credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{ClientID: "my-app"}}.Validate()
	var envs, others []string
	for _, e := range unjoin(err) {
		var fe *credential.FieldError
		require.ErrorAs(t, e, &fe)
		if fe.Env != "" {
			envs = append(envs, fe.Key+" "+fe.Env)
		} else {
			others = append(others, fe.Key)
		}
	}
	require.Equal(t, []string{"credential.workload_identity.tenant_id AZURE_TENANT_ID", "credential.workload_identity.token_file AZURE_FEDERATED_TOKEN_FILE"}, envs)
	require.Equal(t, []string{"credential.workload_identity.client_id"}, others, "a client ID that is not a GUID is a mistake wherever it runs")
}
