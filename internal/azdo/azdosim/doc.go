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
//   - Azure DevOps Server's layout with Server.SetVirtualDirectory("tfs"):
//     organizations (collections) below a virtual directory, and events
//     whose account is the server and whose collection is the organization.
//   - The organization's projects (GET {org}/_apis/projects, $top at a
//     time with an x-ms-continuationtoken header while more are left) and a
//     project's pull requests of every repository
//     (GET {project}/_apis/git/pullRequests), for the recovery sweep.
//   - Git pull requests (by repository and by id), iterations, iteration
//     changes (add, edit, delete and exact-content renames reported with
//     originalPath and sourceServerItem, $top/$skip paging with
//     nextSkip/nextTop, $compareTo, changeTrackingIds stable per path),
//     items (application/octet-stream for GetItemContent, text/plain for
//     GetItemText, GitItem JSON for GetItem; by commit or branch; Git blob
//     object ids), blobs in bulk (POST …/repositories/{id}/blobs with a
//     JSON array of blob ids, GetBlobsZip, api-version 7.1-preview.1,
//     answered with an application/zip of one deflated entry per distinct
//     blob, named by its id — how the service names its entries is not
//     documented; Server.SetBlobsZipFault omits entries, renames them or
//     stores them uncompressed), comment threads and comments (typed properties,
//     per-thread comment ids, author = the caller), and pull request
//     statuses.
//   - Personal access tokens in Basic authentication, Azure's JSON error
//     bodies (typeKey/typeName/message) for 400/401/403/404/405/429 and
//     the injected 500/502/503/504,
//     collections as {"count":n,"value":[…]}, case-insensitive and
//     percent-decoded matching of organization, project and repository
//     names (and ids).
//   - Microsoft Entra identities (principals.go, entra.go): service
//     principals of a tenant (AddServicePrincipal) with client secrets
//     (with an expiry), certificates and federated credentials (issuer and
//     subject), and managed identities (AddManagedIdentity); a loopback TLS
//     token endpoint azidentity uses as its authority host (StartEntra,
//     instance discovery off), answering refusals with Entra's error JSON
//     and AADSTS codes; bearer tokens accepted only in the organisations
//     the principal is a member of (Org.AddMember), with an access level:
//     401 TF400813 elsewhere, Git calls refused below Basic (401 for none,
//     403 for Stakeholder — which one Azure DevOps sends is unverified).
//   - Service-hook envelopes (git.pullrequest.created/updated) for a pull
//     request, shaped like real deliveries (see PullRequest.Event); the
//     simulator does not deliver them itself.
//   - A request log (Server.Requests, the latest 100,000 requests) naming
//     each operation and the api-version asked for, without credentials,
//     with the status actually answered (injected failures included).
//     Server.Count counts the requests of an operation since Start (for
//     "calls per review"), and Server.WaitRequests and
//     PullRequest.WaitThreads block until requests or threads arrive, so
//     tests need no polling loops or sleeps.
//   - Permissions of the Git Repositories security namespace
//     (GitRepositoriesNamespace, bits GitPermission; reference §7). Every
//     identity has every permission until Repository.Deny or Project.Deny
//     takes bits away. Without GitGenericRead a repository and its pull
//     requests answer 404 as if they did not exist (the service hides what
//     you may not read); without GitPullRequestContribute creating or
//     updating threads, creating comments and creating pull request
//     statuses answer 403 GitNeedsPermissionException "TF401027: You need
//     the Git 'PullRequestContribute' permission to perform this action.
//     Details: identity 'azdosim\<uniqueName>', scope 'repository'."
//     (reference §5.3). Which bit the service checks for statuses is not
//     documented; the simulator checks PullRequestContribute ("Contribute
//     to pull requests"). The security client's HasPermissions (GET
//     {org}/_apis/permissions/{namespaceId}/{bits}?tokens=…) and
//     HasPermissionsBatch (POST {org}/_apis/security/permissionevaluationbatch)
//     evaluate the caller's denies on the tokens repoV2/{projectId} (denies
//     made with Project.Deny) and repoV2/{projectId}/{repositoryId} (plus
//     the project's; deeper branch tokens inherit from the repository). A
//     token is true when the caller holds all requested bits; in the
//     ServiceHooks namespace (ServiceHooksNamespace) the token
//     PublisherSecurity/{projectId} answers by Project.DenyHooks; other
//     namespaces and unknown tokens are always true, and
//     alwaysAllowAdministrators is ignored. Both evaluations need the
//     vso.security_manage scope (see LimitScopes).
//   - Service-hook subscriptions (reference §1.4): Project.AddSubscription
//     registers a Web Hooks subscription, GET {org}/_apis/hooks/subscriptions
//     lists them (filtered by publisherId, eventType, consumerId and
//     consumerActionId) and GET …/subscriptions/{id} returns one, with
//     status, probationRetries, publisherInputs (projectId, repository,
//     notificationType, tfsSubscriptionId) and consumerInputs (url,
//     basicAuthUsername, resourceDetailsToSend; a basic-auth password is
//     never returned, only "********" as the service masks it). A caller
//     denied HooksViewSubscriptions on a project (Project.DenyHooks; by
//     default in Azure DevOps only project administrators hold it) does not
//     see that project's subscriptions: they are left out of the list, or
//     the list answers 403 AccessCheckException
//     (Org.SetHiddenSubscriptions); which one the service does is not
//     documented.
//   - Comments can be deleted (DELETE …/threads/{id}/comments/{id}, by their
//     author): the comment stays, marked isDeleted.
//
// # Fault modes
//
// Each reproduces a failure of the real service (reference §5, §6) that the
// product must detect; all can be switched while the server is serving.
//
//   - Server.SetSignInPage(true): requests with an unknown, malformed,
//     expired or (where one is required) missing PAT get 203
//     Non-Authoritative Information, Content-Type text/html, and an HTML
//     sign-in page instead of the 401 JSON error, as Azure DevOps sometimes
//     does even with X-TFS-FedAuthRedirect: Suppress (reference §5.2, §5.3;
//     terraform-provider-azuredevops#957). The SDK treats the 2xx as success
//     and fails decoding it with a *json.SyntaxError "invalid character '<'
//     looking for beginning of value", without a status code.
//   - Server.ExpirePAT(pat): the PAT gets 401, typeKey AccessCheckException,
//     message "Access Denied: The Personal Access Token used has expired.",
//     header X-TFS-ServiceError (the message, percent-encoded like .NET's
//     Uri.EscapeDataString, as on every error) (reference §5.3).
//   - Server.LimitScopes(pat, scopes...): requests outside the PAT's OAuth
//     scopes (reference §7.3) get 401 UnauthorizedRequestException
//     "TF400813: The user '<identity id>' is not authorized to access this
//     resource." — the service's exact body for a missing scope is not
//     documented, and no header names the scope, so this is a guess modelled
//     on the invalid-PAT body (reference §5.3). Pull requests, iterations,
//     changes and items need vso.code (or code_write/manage/full); threads
//     and comments can also be read with vso.threads_full; writing them
//     needs vso.code_write (or manage/full) or vso.threads_full; statuses
//     need vso.code_status or vso.code_write to write (either, or vso.code,
//     to read); listing subscriptions needs a vso.code, vso.hooks, vso.build
//     or vso.work scope; permission evaluation needs vso.security_manage
//     (the spec lists no scope for it: a guess); discovery and connection
//     data need none. So with "vso.code" reads work and CreateThread,
//     UpdateThread, CreateComment and CreatePullRequestStatus get 401.
//   - PullRequest.DropThreadWrites(true): creating a thread answers 200 with
//     a complete thread (new id, comments, typed properties) that is never
//     stored, so GetThreads does not list it — the "silent" lost write of
//     reference §5.4 (which found no evidence of the service doing this;
//     it models a proxy or bug the product must survive by re-reading).
//   - Server.SlowDown(RateLimit{Requests: n, RetryAfter: d, Resource: r}):
//     the next n authenticated requests that succeed still succeed but carry
//     what Azure DevOps sends while it delays an identity before blocking
//     it: Retry-After, X-RateLimit-Delay, X-RateLimit-Resource, -Limit,
//     -Remaining (1) and -Reset.
//   - Server.RateLimit(RateLimit{Requests: n, RetryAfter: d, Resource: r}):
//     the next n requests carrying a valid PAT (discovery included) get 429,
//     typeKey RequestBlockedException, message "TF400733: The request has
//     been canceled: Request was blocked due to exceeding usage of resource
//     '<r>' in namespace 'User'.", and headers Retry-After (d in whole
//     seconds, rounded up), X-RateLimit-Resource (r, default "Core"),
//     X-RateLimit-Limit (200), X-RateLimit-Remaining (0) and
//     X-RateLimit-Reset (Unix time now+d) (reference §6). Other responses
//     carry no rate-limit headers, and throttled requests are never delayed
//     (X-RateLimit-Delay is never sent).
//   - Server.Throttle(Throttle{Limit: u, Window: w}): a TSTU-like budget of
//     u units per sliding window w for each organisation and identity,
//     with a cost table of our own (reads 1, writes 2, large answers more):
//     rate-limit headers from half the limit, delays with X-RateLimit-Delay
//     and Retry-After above it, 429 from 1.25 × it (see Throttle);
//     ThrottleStats reports what was spent, delayed and blocked.
//   - Server.FailRequests(op, n, status, retryAfter): the next n requests of
//     the operation op ("" = any) carrying a valid PAT are not served but
//     answered with the transient server errors the service and its front
//     end produce during incidents and deployments, with Azure's JSON error
//     body, X-TFS-ServiceError and an ActivityId header naming the same id
//     as the message: 500 VssServiceException "TF400898: An Internal Error
//     Occurred. Activity Id: <id>." (the service's usual message for an
//     internal failure); 503 VssServiceUnavailableException "TF10216: Azure
//     DevOps services are currently unavailable. Try again later. Activity
//     Id: <id>." (the message of real 503s, which carried typeKey
//     CircuitBreakerShortCircuitException); 502 VssServiceResponseException
//     with the TF400898 message and 504 RequestCanceledException "TF400733:
//     The request has been canceled: The request timed out. Activity Id:
//     <id>." (guesses: real 502/504s usually come from Azure's front end,
//     often as HTML). With retryAfter > 0 the answer carries Retry-After
//     (whole seconds, rounded up), as 503s may. The SDK does not retry: it
//     returns an azuredevops.WrappedError with the status. Calls accumulate
//     per operation; a request uses its operation's failures before those
//     of "".
//   - Server.FailRequestsUntil(op, n, status, until): the same, with
//     Retry-After as an HTTP-date (until) instead of seconds, the form a
//     proxy or an Azure DevOps Server may send, read against the client's
//     clock.
//   - Server.FailRequestsWithPage(op, n, status): the same, answered as
//     Azure's front door answers when the service behind it fails: 502, 503
//     or 504 with an HTML error page of its own (text/html, no JSON, no
//     ActivityId) — a page a client must not take for the sign-in page. Its
//     wording is the simulator's; real front-door pages vary [unverified].
//   - Server.FailAfterApplying(op, n): the next n successful requests of op
//     ("" = any) carrying a valid PAT are applied — the thread is stored,
//     the comment or status created — and then answered 500
//     VssServiceException TF400898 instead of the success, as when the
//     service fails after committing or a proxy loses the answer (the
//     simulator answers a 500 rather than dropping the connection, so the
//     request log records a status). This is what makes retrying a POST
//     dangerous: the retry writes a duplicate, which GetThreads lists.
//     Requests the operation rejects (403, 404, …) keep their error and
//     use up no failure.
//   - Server.Delay(op, d): requests of op ("" = every routed request; both
//     delays add up) wait d after route matching, before authentication,
//     as a slow service or network would. The wait honours the request's
//     context: a client whose deadline passes gets its own
//     context.DeadlineExceeded, the operation is not run, and the request
//     log records StatusClientClosedRequest (499, nginx's code; the service
//     never sends it). Closing the server cuts delays short.
//
// Checks run in this order: organization (404), route (404/405), delay,
// credentials (401 or the sign-in page), rate limit (429), FailRequests
// (5xx), api-version (400), PAT scope (401), then the operation
// (GenericRead 404, PullRequestContribute 403, not found, validation) and
// FailAfterApplying (500 after a success). Every fault that takes an
// operation name panics on a name the simulator does not serve, so that a
// typo cannot make it match nothing.
//
// # What it does not simulate
//
// Creating pull requests, repositories or pushes through the REST API (use
// the Go setup API: AddOrg, AddProject, AddRepository, Commit,
// CreatePullRequest, Push), merges and merge commits (lastMergeCommit is
// never set), reviewers and votes, likes, iteration statuses, commit diffs,
// policies, creating, updating or deleting subscriptions through the REST
// API, service-hook delivery, probation and retries (set the status in the
// SubscriptionSpec), any effect of permissions other than GenericRead and
// PullRequestContribute, groups, administrators and allow entries
// (permissions are only ever denied), the service-hook permissions needed
// to list subscriptions, gradual throttling (delays before blocking), system
// threads (seed them with PullRequest.AddThread if a test needs them),
// thread position tracking across iterations ($iteration/$baseIteration are
// accepted and ignored), folder entries in iteration changes, the
// X-TFS-Session response header (the SDK stores it in a package-global
// variable, which would race across parallel tests), dropped connections
// and HTML error pages from Azure's front end (injected 5xx answers are
// always JSON), and api-version negotiation beyond requiring that some
// api-version is sent.
//
// # Behaviour worth knowing
//
// Discovery (OPTIONS {org}/_apis and ResourceAreas) is served without
// credentials, as the service does, but a request carrying an unknown or
// expired PAT is rejected everywhere with 401 (or the sign-in page) — so
// with a bad PAT git.NewClient itself fails, unless the SDK's location
// cache already knows the URL. Without a
// project segment a repository must be named by id. Unknown organizations
// get 404 before authentication. A request without an api-version gets 400
// (VssVersionNotSpecifiedException). Thread ids are unique per
// organization, comment ids per thread, status ids per pull request.
// Thread statuses change through UpdateThread (PATCH {"status":"fixed"})
// or, for changes made by people in the web UI (the author resolving a
// finding or marking it wontFix), through PullRequest.SetThreadStatus; both
// show in GetThreads and PullRequest.Threads.
//
// All state lives in a Server value, guarded by a single mutex (connection
// bookkeeping for Close has its own); the package has no mutable
// package-level state. The SDK caches location tables in a
// package-global map keyed by base URL, which is harmless because every
// Server listens on a new port.
package azdosim
