package azdo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/core"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/security"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/servicehooks"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// Config selects an organisation and its credentials, and how calls to it
// are paced and retried (see retry.go for the policy).
type Config struct {
	// OrgURL is the organisation, e.g. https://dev.azure.com/fabrikam.
	OrgURL string
	// PAT is the personal access token. It is sent only to OrgURL and never
	// logged or traced. Shorthand for Credential: PAT(token).
	PAT string
	// Credential authorises the requests; it takes the place of PAT.
	Credential Credential
	// Timeout bounds each attempt of a call (sending the request and
	// reading the response). The whole call, retries and waits included, is
	// bounded by its context. Default 30 s.
	Timeout time.Duration
	// MaxFileBytes bounds how much of one file version is read; the rest is
	// discarded and the file reported as too large. Default 1 MiB.
	MaxFileBytes int64
	// BlobBatchFiles bounds how many blobs one bulk read of file versions
	// asks for ([Client.ReadFiles]: a POST of blob ids answered with a
	// zip). Default 1000; negative: no bulk reads, each version is read by
	// itself.
	BlobBatchFiles int
	// BlobBatchBytes bounds the zip of one bulk read as received; it is
	// held in memory while its entries are read. A batch whose zip is
	// larger is split in halves and asked for again, down to one group of
	// versions, which is then read version by version. Default (and for
	// zero or less) 16 MiB.
	BlobBatchBytes int64
	// Transport is the base HTTP transport. Default http.DefaultTransport.
	Transport http.RoundTripper

	// MaxRetries is how many times one call is resent after a retryable
	// failure (429 for every method; 502, 503, 504, timeouts and network
	// errors for idempotent methods only). Default 4; negative: none.
	MaxRetries int
	// RetryBaseDelay and RetryMaxDelay shape the backoff between attempts
	// when the answer has no Retry-After: full jitter, uniform in
	// [0, min(RetryMaxDelay, RetryBaseDelay·2^k)) before resend k+1.
	// Defaults 500 ms and 30 s. A Retry-After is honoured as sent, up to
	// MaxRetryAfter.
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration

	// MaxConcurrent bounds the Client's requests in flight. Default 8;
	// negative: unlimited.
	MaxConcurrent int
	// RequestsPerSecond bounds the rate of the Client's requests (resends
	// included), with bursts of Burst. Default 20 per second; negative:
	// unlimited. Burst defaults to two seconds' worth.
	RequestsPerSecond float64
	Burst             int

	// Budget, if set, is the identity-wide budget every request spends
	// its estimated cost from after the limits above (see [Budget]); nil:
	// none, the per-process limits alone.
	Budget Budget

	// Clock is the time source of retry backoff, Retry-After pauses and the
	// rate limit; tests replace it. Default: the wall clock.
	Clock Clock

	// Metrics, if set, counts the Client's requests (see [NewMetrics]).
	Metrics *Metrics
}

// Client calls Azure DevOps for one organisation. It is safe for concurrent
// use.
type Client struct {
	orgURL   string
	cred     Credential
	identity string
	git      git.Client
	core     core.Client
	location location.Client
	security security.Client
	hooks    servicehooks.Client
	maxBytes int64
	// batchFiles (0: no bulk reads) and batchBytes bound a bulk read.
	batchFiles int
	batchBytes int64
	metrics    *Metrics
	lim        *limiter
}

// PullRequestRef names a pull request.
type PullRequestRef struct {
	// Project is the project id or name.
	Project      string
	RepositoryID string
	ID           int
}

// New returns a client for cfg. It makes no network call.
func New(cfg Config) (*Client, error) {
	if cfg.OrgURL == "" {
		return nil, errors.New("azure devops: organisation URL is empty")
	}
	if u, err := url.Parse(cfg.OrgURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("azure devops: organisation URL %q is not an absolute http(s) URL, such as https://dev.azure.com/fabrikam", cfg.OrgURL)
	}
	cred := cfg.Credential
	switch {
	case cred == nil && cfg.PAT == "":
		return nil, errors.New("azure devops: PAT is empty")
	case cred == nil:
		cred = PAT(cfg.PAT)
	}
	// An anonymous connection: the transport adds the credential's header,
	// fresh for every attempt, and only for the organisation's own host.
	conn := azuredevops.NewAnonymousConnection(cfg.OrgURL)
	base, err := url.Parse(conn.BaseUrl)
	if err != nil {
		return nil, fmt.Errorf("azure devops: organisation URL %q: %w", cfg.OrgURL, err)
	}
	clock := cfg.Clock
	if clock == nil {
		clock = wallClock{}
	}
	lim := newLimiter(cfg, clock)
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	// Under the SDK: the retrier paces and resends (limiter outside the
	// spans, so waiting does not count as HTTP latency); otelhttp makes one
	// client span per attempt; transport annotates it, types errors and
	// reaches the retry verdict. The http.Client has no Timeout of its own:
	// the retrier bounds each attempt, the caller's context the call.
	policy := newRetryPolicy(cfg)
	metrics := cfg.Metrics
	if metrics != nil && metrics.org == "" {
		metrics = metrics.ForOrg(path.Base(base.Path))
	}
	inner := &transport{
		next: cmp.Or[http.RoundTripper](cfg.Transport, http.DefaultTransport), clock: clock, lim: lim, policy: policy, metrics: metrics,
		cred: cred, scheme: base.Scheme, host: base.Host,
	}
	hc := &http.Client{
		Transport: &retrier{
			next:    otelhttp.NewTransport(inner, otelhttp.WithSpanNameFormatter(spanName)),
			lim:     lim,
			clock:   clock,
			timeout: timeout,
			metrics: metrics,
		},
	}
	// The SDK's NewClient functions ignore WithHTTPClient, and git.NewClient
	// would look the git area up first; every area azreviewer uses lives at
	// the organisation URL, so the clients are built directly.
	sdk := func() azuredevops.Client {
		return *azuredevops.NewClientWithOptions(conn, conn.BaseUrl, azuredevops.WithHTTPClient(hc))
	}
	return &Client{
		orgURL:     conn.BaseUrl,
		cred:       cred,
		identity:   cred.Identity(),
		git:        &git.ClientImpl{Client: sdk()},
		core:       &core.ClientImpl{Client: sdk()},
		location:   &location.ClientImpl{Client: sdk()},
		security:   &security.ClientImpl{Client: sdk()},
		hooks:      &servicehooks.ClientImpl{Client: sdk()},
		maxBytes:   cmp.Or(cfg.MaxFileBytes, 1<<20),
		batchFiles: max(cmp.Or(cfg.BlobBatchFiles, defaultBlobBatchFiles), 0),
		batchBytes: cmp.Or(max(cfg.BlobBatchBytes, 0), defaultBlobBatchBytes),
		metrics:    cfg.Metrics,
		lim:        lim,
	}, nil
}

// Stats returns running totals of the Client's requests and waits.
func (c *Client) Stats() Stats { return c.lim.stats() }

// Identity is the credential's name, without its secret (see
// [Credential.Identity]).
func (c *Client) Identity() string { return c.identity }

// Credential is the credential the Client authorises its requests with.
func (c *Client) Credential() Credential { return c.cred }

// OrgURL is the organisation URL as the SDK uses it (lower case).
func (c *Client) OrgURL() string { return c.orgURL }

// PullRequest reads a pull request.
func (c *Client) PullRequest(ctx context.Context, ref PullRequestRef) (PullRequest, error) {
	pr, err := c.git.GetPullRequest(ctx, git.GetPullRequestArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
	})
	if err != nil {
		return PullRequest{}, wrap("get pull request", err)
	}
	return toPullRequest(pr), nil
}

// changesPageSize is how many iteration changes one call asks for (the
// service allows up to 2000).
const changesPageSize = 1000

// Change is one changed file of an iteration.
type Change struct {
	// Path is the file's path on the new side, with a leading "/" (the old
	// path for a delete).
	Path string
	// OriginalPath is the old path of a renamed file.
	OriginalPath string
	// ChangeType is Azure's flag list, e.g. "add", "edit", "edit, rename".
	ChangeType string
	// ChangeTrackingID follows the file through iterations; threads anchor to it.
	ChangeTrackingID int
	// Submodule is true for a submodule entry (Git object type commit): a
	// commit of another repository, not a file.
	Submodule bool
	// ObjectID is the blob id of the file after the change and
	// OriginalObjectID the one before it, as the iteration's change entry
	// names them ("" when it names none); [Client.ReadFiles] reads file
	// versions by them.
	ObjectID, OriginalObjectID string
}

// IterationChanges lists every changed file of an iteration against
// compareTo (0: the common commit of source and target), reading all pages.
// Folders are left out.
func (c *Client) IterationChanges(ctx context.Context, ref PullRequestRef, iteration, compareTo int) ([]Change, error) {
	var out []Change
	top, skip := changesPageSize, 0
	for {
		page, err := c.git.GetPullRequestIterationChanges(ctx, git.GetPullRequestIterationChangesArgs{
			Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
			IterationId: &iteration, CompareTo: &compareTo, Top: &top, Skip: &skip,
		})
		if err != nil {
			return nil, wrap("list iteration changes", err)
		}
		if page.ChangeEntries != nil {
			for _, e := range *page.ChangeEntries {
				if ch, ok := toChange(e); ok {
					out = append(out, ch)
				}
			}
		}
		if page.NextSkip == nil || *page.NextSkip <= skip {
			return out, nil
		}
		skip = *page.NextSkip
		if page.NextTop != nil && *page.NextTop > 0 {
			top = *page.NextTop
		}
	}
}

func toChange(e git.GitPullRequestChange) (Change, bool) {
	var ch Change
	item, _ := e.Item.(map[string]any)
	if folder, _ := item["isFolder"].(bool); folder {
		return ch, false
	}
	// A submodule entry's object is a commit; whether iteration changes
	// say so is unverified (the recorded examples carry no gitObjectType).
	objectType, _ := item["gitObjectType"].(string)
	ch.Submodule = strings.EqualFold(objectType, "commit")
	ch.Path, _ = item["path"].(string)
	if ch.Path == "" {
		ch.Path = val(e.SourceServerItem)
	}
	if ch.Path == "" {
		return ch, false
	}
	ch.OriginalPath = val(e.OriginalPath)
	ch.ChangeType = string(val(e.ChangeType))
	ch.ChangeTrackingID = val(e.ChangeTrackingId)
	ch.ObjectID, _ = item["objectId"].(string)
	ch.OriginalObjectID, _ = item["originalObjectId"].(string)
	return ch, true
}

// FileAt reads a file at a commit. found is false when the path does not
// exist there. At most MaxFileBytes+1 bytes are read, so a caller can tell a
// file that is too large.
func (c *Client) FileAt(ctx context.Context, ref PullRequestRef, path, commit string) (content []byte, found bool, err error) {
	versionType := git.GitVersionTypeValues.Commit
	rc, err := c.git.GetItemContent(withExpectedStatus(ctx, http.StatusNotFound), git.GetItemContentArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, Path: &path,
		VersionDescriptor: &git.GitVersionDescriptor{Version: &commit, VersionType: &versionType},
	})
	if err != nil {
		if IsNotFound(err) {
			return nil, false, nil
		}
		return nil, false, wrap("read "+path+" at "+shortSHA(commit), err)
	}
	defer rc.Close()
	content, err = io.ReadAll(io.LimitReader(rc, c.maxBytes+1))
	if err != nil {
		return nil, false, wrap("read "+path+" at "+shortSHA(commit), err)
	}
	return content, true, nil
}

// Repository reads a repository by name or id.
func (c *Client) Repository(ctx context.Context, project, repository string) (Repository, error) {
	r, err := c.git.GetRepository(ctx, git.GetRepositoryArgs{Project: &project, RepositoryId: &repository})
	if err != nil {
		return Repository{}, wrap("get repository", err)
	}
	return toRepository(r), nil
}

// ActivePullRequests lists up to top active pull requests of a repository.
func (c *Client) ActivePullRequests(ctx context.Context, project, repositoryID string, top int) ([]PullRequest, error) {
	active := git.PullRequestStatusValues.Active
	prs, err := c.git.GetPullRequests(ctx, git.GetPullRequestsArgs{
		Project: &project, RepositoryId: &repositoryID, Top: &top,
		SearchCriteria: &git.GitPullRequestSearchCriteria{Status: &active},
	})
	if err != nil {
		return nil, wrap("list pull requests", err)
	}
	out := make([]PullRequest, 0, len(*prs))
	for i := range *prs {
		out = append(out, toPullRequest(&(*prs)[i]))
	}
	return out, nil
}

// Threads lists the comment threads of a pull request.
func (c *Client) Threads(ctx context.Context, ref PullRequestRef) ([]Thread, error) {
	ts, err := c.git.GetThreads(ctx, git.GetThreadsArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
	})
	if err != nil {
		return nil, wrap("list threads", err)
	}
	out := make([]Thread, 0, len(*ts))
	for i := range *ts {
		out = append(out, toThread(&(*ts)[i]))
	}
	return out, nil
}

// CreateThread posts a comment thread (see Thread for what is sent) and
// returns it as Azure DevOps keeps it.
func (c *Client) CreateThread(ctx context.Context, ref PullRequestRef, thread Thread) (Thread, error) {
	in := sdkThread(thread)
	t, err := c.git.CreateThread(ctx, git.CreateThreadArgs{
		Project: &ref.Project, RepositoryId: &ref.RepositoryID, PullRequestId: &ref.ID,
		CommentThread: &in,
	})
	if err != nil {
		return Thread{}, wrap("create thread", err)
	}
	return toThread(t), nil
}

func shortSHA(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// spanName names client spans after the operation, not the raw URL, which
// holds ids and file paths.
func spanName(_ string, r *http.Request) string {
	return r.Method + " " + routeOf(r.URL.EscapedPath())
}

// routeOf reduces an Azure DevOps path to its resource route, e.g.
// "pullRequests/{id}/threads".
func routeOf(path string) string {
	if strings.HasSuffix(path, "/_apis") {
		return "_apis" // location discovery
	}
	i := strings.Index(path, "/_apis/")
	if i < 0 {
		return path
	}
	segs := strings.Split(strings.Trim(path[i+len("/_apis/"):], "/"), "/")
	for j, s := range segs {
		if s != "" && (s[0] >= '0' && s[0] <= '9' || len(s) >= 32) {
			segs[j] = "{id}"
		}
	}
	if len(segs) > 9 {
		segs = segs[:9]
	}
	return "_apis/" + strings.Join(segs, "/")
}
