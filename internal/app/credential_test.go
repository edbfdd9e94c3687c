package app_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/credential"
)

// TestCredentialOptionsReadTheEnvironment: a workload identity written
// without its fields takes them from the variables the Azure workload
// identity webhook sets. Not parallel: it sets the environment.
func TestCredentialOptionsReadTheEnvironment(t *testing.T) {
	token := filepath.Join(t.TempDir(), "azure-identity-token")
	require.NoError(t, os.WriteFile(token, []byte("header.payload.signature"), 0o600))
	t.Setenv("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47")
	t.Setenv("AZURE_CLIENT_ID", "0b3f7a51-2c7e-4c1f-9d0a-5b6f3e9b1c22")
	t.Setenv("AZURE_FEDERATED_TOKEN_FILE", token)
	cred, err := credential.New(t.Context(), credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{}}, app.CredentialOptions())
	require.NoError(t, err)
	require.Equal(t, "workload_identity:0b3f7a51-2c7e-4c1f-9d0a-5b6f3e9b1c22", cred.Identity())

	_, err = credential.New(t.Context(), credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{}}, credential.Options{})
	require.ErrorContains(t, err, "credential.workload_identity.tenant_id is empty")
}
