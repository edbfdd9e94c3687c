// Package azdo is everything that talks to Azure DevOps: a client over the
// official Go SDK (azure-devops-go-api v7) for the calls a review makes, the
// HTTP transport underneath it that traces every call and turns sign-in
// pages into typed errors, and the error taxonomy that tells a caller
// whether a failure is worth retrying and what an operator must fix.
//
// The client is built for one organisation from configuration (URL and
// PAT); it never sends credentials to a URL taken from a webhook payload.
package azdo
