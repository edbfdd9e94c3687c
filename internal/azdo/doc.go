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
// The client is built for one organisation from configuration (URL and
// PAT); it never sends credentials to a URL taken from a webhook payload.
package azdo
