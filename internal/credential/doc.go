// Package credential builds the azdo.Credential an organisation is
// configured with: a personal access token (given or read from a file), or
// a Microsoft Entra ID identity — a service principal with a client secret
// or a certificate, a managed identity, or workload identity federation —
// through the Azure SDK for Go's azidentity, asking for a token for Azure
// DevOps (scope 499b84ac-1321-427f-aa17-267ca6975798/.default).
//
// # Tokens
//
// An Entra credential caches its token and asks for a new one before the
// old one expires (at the token's refresh time, or five minutes — at most
// half its lifetime — before it expires); concurrent callers share one
// request. A refresh that fails while the cached token is still valid
// keeps the cached token, and is tried again every 30 seconds until it
// expires.
//
// # Failures
//
// A token request Entra refuses is an *EntraError with its AADSTS code,
// what it means and what to fix; a federated token file or a certificate
// file that cannot be read is a *FileError. Both say which azdo.Kind they
// are (see azdo.CredentialFailure), so the Azure DevOps client reports
// them with their own diagnosis. No error, log line or span holds a token,
// a secret or an assertion: Entra's answers are reduced to their code and
// first sentence.
package credential
