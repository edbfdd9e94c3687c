package credential

// Entra's codes azreviewer explains.
const (
	codeSecretInvalid    = "AADSTS7000215"
	codeSecretExpired    = "AADSTS7000222"
	codeAppNotFound      = "AADSTS700016"
	codeTenantNotFound   = "AADSTS90002"
	codeAssertionTime    = "AADSTS700024"
	codeNoFederated      = "AADSTS70021"
	codeNoFederatedSubj  = "AADSTS700213"
	codeSignature        = "AADSTS700027"
	codeAppDisabled      = "AADSTS7000112"
	codeResourceNotFound = "AADSTS500011"
)

// explanation is what a code means and what fixes it.
type explanation struct{ meaning, fix string }

// explain returns the meaning and fix of an AADSTS code; unknown codes get
// a general one.
func explain(code string) explanation {
	switch code {
	case codeSecretInvalid:
		return explanation{"the client secret is not valid for this application.",
			"Put the secret's Value (not its Secret ID) from App registrations → the app → Certificates & secrets in client_secret_file, for the app whose client_id is configured."}
	case codeSecretExpired:
		return explanation{"the application's client secret has expired.",
			"Create a new client secret under App registrations → the app → Certificates & secrets, write its Value to client_secret_file and reload azreviewer; set a reminder before the new one expires, or use a certificate or workload identity instead."}
	case codeAppNotFound:
		return explanation{"no application with this client ID exists in the tenant.",
			"Check client_id (the application (client) ID on the app registration's overview) and tenant_id (the tenant where it is registered, the one the Azure DevOps organisation is connected to); an application of another tenant must first be consented in this one."}
	case codeTenantNotFound:
		return explanation{"the tenant does not exist.",
			"Set tenant_id to the Directory (tenant) ID of the Microsoft Entra tenant the Azure DevOps organisation is connected to (Organization settings → Microsoft Entra)."}
	case codeAssertionTime:
		return explanation{"the client assertion is outside its valid time range: the federated token has expired (or is not yet valid), or this machine's clock is wrong.",
			"For workload identity, make sure token_file is the projected service account token that the kubelet refreshes (not a copy), and that the clock is synchronised; for a certificate, synchronise the clock."}
	case codeNoFederated, codeNoFederatedSubj:
		return explanation{"the application has no federated credential matching the token's issuer and subject.",
			"Add a federated credential to the app registration (Certificates & secrets → Federated credentials) with the cluster's OIDC issuer URL as issuer, system:serviceaccount:<namespace>:<service account> as subject and api://AzureADTokenExchange as audience."}
	case codeSignature:
		return explanation{"the client assertion's signature is not valid for any certificate of the application.",
			"Upload the certificate's public part to the app registration (Certificates & secrets → Certificates), and make certificate_file hold that certificate with its private key."}
	case codeAppDisabled:
		return explanation{"the application is disabled in the tenant.",
			"Enable sign-in for the enterprise application (Enterprise applications → the app → Properties → Enabled for users to sign-in)."}
	case codeResourceNotFound:
		return explanation{"the tenant does not know the Azure DevOps resource.",
			"Connect the Azure DevOps organisation to this tenant (Organization settings → Microsoft Entra), or use the tenant it is connected to."}
	}
	return explanation{"Entra refused the token request.",
		"Look the code up in Microsoft's AADSTS error reference (https://learn.microsoft.com/entra/identity-platform/reference-error-codes) and fix the credential's configuration."}
}
