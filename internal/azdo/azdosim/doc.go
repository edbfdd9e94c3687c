// Package azdosim is an in-process HTTP server that simulates the subset of
// Azure DevOps Services that azreviewer uses, faithfully enough for the real,
// unmodified Go SDK (github.com/microsoft/azure-devops-go-api/azuredevops/v7)
// to talk to it over HTTP. Tests, benchmarks and the product's --demo mode
// use it instead of dev.azure.com.
//
// # What it simulates
//
//   - Endpoint discovery as the SDK performs it: OPTIONS {org}/_apis returns
//     the location table (see locations.go) and GET {org}/_apis/ResourceAreas
//     returns an empty list, which the SDK treats like an on-premises server:
//     every area client (git, core, …) then talks to the organization URL
//     itself. GET {org}/_apis/ResourceAreas/{areaId} answers for the git area.
//   - Location connection data (authenticated/authorized user = the PAT's
//     identity).
//   - Git pull requests (by repository and by id), iterations, iteration
//     changes (add, edit, delete and exact-content renames reported with
//     originalPath and sourceServerItem, $top/$skip paging with
//     nextSkip/nextTop, $compareTo, changeTrackingIds stable per path),
//     items (application/octet-stream for GetItemContent, text/plain for
//     GetItemText, GitItem JSON for GetItem; by commit or branch; Git blob
//     object ids), comment threads and comments (typed properties,
//     per-thread comment ids, author = the caller), and pull request
//     statuses.
//   - Personal access tokens in Basic authentication, Azure's JSON error
//     bodies (typeKey/typeName/message) for 400/401/404/405, collections as
//     {"count":n,"value":[…]}, case-insensitive and percent-decoded matching
//     of organization, project and repository names (and ids).
//   - Service-hook envelopes (git.pullrequest.created/updated) for a pull
//     request, shaped like real deliveries (see PullRequest.Event); the
//     simulator does not deliver them itself.
//   - A request log (Server.Requests, the latest 100,000 requests) naming
//     each operation and the api-version asked for, without credentials.
//
// # What it does not simulate
//
// Creating pull requests, repositories or pushes through the REST API (use
// the Go setup API: AddOrg, AddProject, AddRepository, Commit,
// CreatePullRequest, Push), merges and merge commits (lastMergeCommit is never
// set), reviewers and votes, likes, iteration statuses, commit diffs,
// policies, service-hook subscriptions and delivery, permissions and PAT
// scopes (every valid PAT may do everything in every organization), rate
// limiting, throttling and Retry-After, the 203 sign-in page, system threads
// (seed them with PullRequest.AddThread if a test needs them), thread
// position tracking across iterations ($iteration/$baseIteration are
// accepted and ignored), folder entries in iteration changes, the
// X-TFS-Session response header (the SDK stores it in a package-global
// variable, which would race across parallel tests), and api-version
// negotiation beyond requiring that some api-version is sent.
//
// # Behaviour worth knowing
//
// Discovery (OPTIONS {org}/_apis and ResourceAreas) is served without
// credentials, as the service does, but a request carrying an unknown PAT is
// rejected everywhere with 401 — so with a bad PAT git.NewClient itself
// fails, unless the SDK's location cache already knows the URL. Without a
// project segment a repository must be named by id. Unknown organizations
// get 404 before authentication. A request without an api-version gets 400
// (VssVersionNotSpecifiedException). Thread ids are unique per
// organization, comment ids per thread, status ids per pull request.
//
// All state lives in a Server value, guarded by a single mutex (connection
// bookkeeping for Close has its own); the package has no mutable
// package-level state. The SDK caches location tables in a
// package-global map keyed by base URL, which is harmless because every
// Server listens on a new port.
package azdosim
