// Package azdo is everything that talks to Azure DevOps: a client over the
// official Go SDK (azure-devops-go-api v7) for the calls a review makes, the
// HTTP layers underneath it, and the error taxonomy that tells a caller
// whether a failure is worth retrying and what an operator must fix.
//
// Under the SDK, a per-organisation limiter bounds requests in flight and
// per second and pauses every call for a Retry-After (limiter.go); failed
// attempts are resent by a documented policy (retry.go); each attempt is
// one OpenTelemetry client span that carries Azure's rate-limit headers; and
// sign-in pages and 429s become typed errors (transport.go).
//
// The client is built for one organisation from configuration (URL and a
// Credential: a PAT, or an Entra identity's bearer token from
// internal/credential); it never sends credentials to a URL taken from a
// webhook payload, nor to any host but the organisation's. A credential's
// failure (Entra refusing the token request, a federated token file gone)
// and Azure DevOps' refusal of an Entra identity (not a member, no access
// level) are kinds of their own, with their diagnosis (errors.go).
package azdo
