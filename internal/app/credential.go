package app

import (
	"os"

	"github.com/azreviewer/azreviewer/internal/credential"
)

// CredentialOptions are the options the processes build an organisation's
// credential with (credential.New): the process environment, for a workload
// identity's AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE
// and for AZURE_AUTHORITY_HOST; Entra's public cloud otherwise, and the
// default transport. A managed identity's endpoint is what the Azure
// resource sets in the environment, which azidentity reads itself.
func CredentialOptions() credential.Options {
	return credential.Options{Env: os.Getenv}
}
