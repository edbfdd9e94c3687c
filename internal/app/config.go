package app

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/orgs"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/telemetry"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// Common is configuration every process shares.
type Common struct {
	NATSURL   string
	NATSCreds string
	LogLevel  string
	LogFormat string
	Stream    streams.Config
	// LeaseTTL is the lifetime of a pull request's lease without refresh;
	// 0 means the stream's AckWait ([Common.EffectiveLeaseTTL]).
	LeaseTTL time.Duration
}

// MinLeaseTTL is the shortest LEASE_TTL allowed: workers refresh a lease
// every third of it.
const MinLeaseTTL = time.Second

// DefaultBudget is AZDO_BUDGET's default: 6,000 units per 5 minutes for
// each organisation's identity, shared by the whole fleet — the 20 calls a
// second one process was held to before, now for every process together.
// The per-process limits (AZDO_REQUESTS_PER_SECOND, AZDO_MAX_CONCURRENT)
// stay above it as a safety net.
const DefaultBudget = 6000

// EffectiveLeaseTTL is LEASE_TTL, or ACK_WAIT when it is unset: a killed
// worker's pull requests are unlocked by the time its messages are
// redelivered, so one setting bounds the recovery.
func (c *Common) EffectiveLeaseTTL() time.Duration {
	return cmp.Or(c.LeaseTTL, c.Stream.WithDefaults().AckWait)
}

// LeaseRefresh is how often a worker refreshes a held lease: a third of
// [Common.EffectiveLeaseTTL], so two refreshes in a row may fail before it
// expires.
func (c *Common) LeaseRefresh() time.Duration { return c.EffectiveLeaseTTL() / 3 }

// ValidateTimings checks ACK_WAIT and LEASE_TTL, whose heartbeat (a quarter
// of ACK_WAIT) and refresh (a third of LEASE_TTL) must stay well inside
// them; its errors are [ErrUsage] and name the setting.
func (c *Common) ValidateTimings() error {
	var errs []error
	if err := c.Stream.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("%w: ACK_WAIT / --ack-wait: %w", ErrUsage, err))
	}
	if c.LeaseTTL != 0 && c.LeaseTTL < MinLeaseTTL {
		errs = append(errs, fmt.Errorf("%w: LEASE_TTL / --lease-ttl %s is too short: workers refresh a lease every third of it; use at least %s, or leave it unset to follow ACK_WAIT",
			ErrUsage, c.LeaseTTL, MinLeaseTTL))
	}
	return errors.Join(errs...)
}

// RegisterCommon adds the shared flags to fs.
func RegisterCommon(fs *flag.FlagSet) *Common {
	c := &Common{}
	c.RegisterFleet(fs)
	c.RegisterLog(fs)
	def := streams.Config{}.WithDefaults()
	fs.IntVar(&c.Stream.Replicas, "stream-replicas", def.Replicas, "JetStream replicas of the review stream (3 in a cluster)")
	fs.DurationVar(&c.Stream.AckWait, "ack-wait", def.AckWait, "redeliver a review request when its worker is silent this long (it marks running reviews in progress every quarter of it; at least 1s)")
	fs.IntVar(&c.Stream.MaxDeliver, "max-deliver", def.MaxDeliver, "deliveries of one review request before it is given up")
	fs.DurationVar(&c.Stream.DuplicateWindow, "duplicate-window", def.DuplicateWindow, "how long a webhook's de-duplication id is remembered")
	fs.Int64Var(&c.Stream.MaxBytes, "stream-max-bytes", def.MaxBytes, "bytes the review stream may hold; when full, ingest answers 503 and Azure DevOps retries (negative: no limit)")
	fs.Int64Var(&c.Stream.MaxMsgs, "stream-max-msgs", def.MaxMsgs, "review requests the review stream may hold; when full, ingest answers 503 and Azure DevOps retries (negative: no limit)")
	fs.DurationVar(&c.Stream.DeadLetterMaxAge, "dead-letter-max-age", def.DeadLetterMaxAge, "how long dead letters are kept")
	fs.Int64Var(&c.Stream.DeadLetterMaxBytes, "dead-letter-max-bytes", def.DeadLetterMaxBytes, "bytes of dead letters kept; beyond it the oldest are dropped (negative: no limit)")
	fs.Int64Var(&c.Stream.DeadLetterMaxMsgs, "dead-letter-max-msgs", def.DeadLetterMaxMsgs, "dead letters kept; beyond it the oldest are dropped (negative: no limit)")
	fs.DurationVar(&c.LeaseTTL, "lease-ttl", 0, "how long a crashed worker's pull requests stay locked; workers refresh their leases every third of it (unset: ACK_WAIT; at least 1s)")
	return c
}

// RegisterFleet adds the fleet's name to fs.
func (c *Common) RegisterFleet(fs *flag.FlagSet) {
	fs.Var(&c.Stream.Fleet, "fleet-name", "name of the fleet: prefixes its streams, consumer, subjects and buckets, so several fleets share one NATS (lower-case letters, digits, - and _)")
}

// RegisterLog adds the log flags to fs.
func (c *Common) RegisterLog(fs *flag.FlagSet) {
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
}

// Provisioning is the configuration of the fleet's JetStream resources
// that c describes.
func (c *Common) Provisioning() provision.Config {
	return provision.Config{Stream: c.Stream, LeaseTTL: c.EffectiveLeaseTTL()}
}

// RegisterNATS adds the flags of an external NATS server to fs.
func (c *Common) RegisterNATS(fs *flag.FlagSet) {
	fs.StringVar(&c.NATSURL, "nats-url", "nats://127.0.0.1:4222", "NATS server URL(s), comma-separated")
	fs.StringVar(&c.NATSCreds, "nats-creds", "", "NATS credentials file")
}

// Logger builds the process logger. A line logged inside a span carries
// its trace_id and span_id.
func (c *Common) Logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level / LOG_LEVEL: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.LogFormat) {
	case "text":
		return slog.New(telemetry.LogHandler(slog.NewTextHandler(os.Stderr, opts))), nil
	case "json":
		return slog.New(telemetry.LogHandler(slog.NewJSONHandler(os.Stderr, opts))), nil
	default:
		return nil, fmt.Errorf("--log-format / LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
}

// Ingest is the webhook receiver's configuration.
type Ingest struct {
	Addr   string
	OrgURL string
	// OrgsFile is the organisations file: only its organisations' events
	// are published.
	OrgsFile string
	// orgSet is the set the handler filters by (see organisations).
	orgSet         *ingest.Organisations
	BasicUser      string
	BasicPassword  string
	Token          string
	InsecureNoAuth bool
	// MaxInFlight and BodyTimeout bound deliveries whose bodies are unread.
	MaxInFlightBytes int64
	BodyTimeout      time.Duration
	// MetricsAddr, when set, is a listener of its own for /metrics (and
	// /healthz), which then leaves Addr; "off": no /metrics at all.
	MetricsAddr string
}

// RegisterMetricsAddr adds --metrics-addr to the ingest command: where
// /metrics is served when not on the webhook's listener.
func (c *Ingest) RegisterMetricsAddr(fs *flag.FlagSet) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", `listen address of ingest's /metrics (and /healthz), off the webhook's port; empty: /metrics is served on the ingest address; "off": none`)
}

// metricsOnAddr reports whether /metrics is served on the ingest address.
func (c *Ingest) metricsOnAddr() bool { return c.MetricsAddr == "" }

// RegisterIngest adds the ingest flags to fs.
func RegisterIngest(fs *flag.FlagSet) *Ingest {
	c := &Ingest{}
	fs.StringVar(&c.Addr, "ingest-addr", ":8080", "listen address of the webhook receiver, /healthz, /readyz and (unless --metrics-addr is set) /metrics")
	fs.StringVar(&c.BasicUser, "webhook-basic-user", "", "required Basic-auth user of webhook deliveries")
	fs.StringVar(&c.BasicPassword, "webhook-basic-password", "", "required Basic-auth password of webhook deliveries (prefer the environment variable)")
	fs.StringVar(&c.Token, "webhook-token", "", "required ?token= of webhook deliveries (prefer the environment variable)")
	fs.BoolVar(&c.InsecureNoAuth, "insecure-no-auth", false, "accept webhook deliveries without credentials")
	fs.Int64Var(&c.MaxInFlightBytes, "ingest-max-in-flight-bytes", 32<<20, "memory for the bodies of deliveries being read, parsed or published at once (each reserves its Content-Length, at least 64 KiB); a delivery that does not fit is answered 503 with Retry-After")
	fs.DurationVar(&c.BodyTimeout, "ingest-body-timeout", 10*time.Second, "longest the body of one delivery may take to arrive; a slower one is answered 408")
	return c
}

// RegisterOrg adds --azdo-org-url and --azdo-orgs-file to the ingest
// command (the all-in-one shares the worker's).
func (c *Ingest) RegisterOrg(fs *flag.FlagSet) {
	fs.StringVar(&c.OrgURL, "azdo-org-url", "", "only publish events of this Azure DevOps organisation (empty: any)")
	fs.StringVar(&c.OrgsFile, "azdo-orgs-file", "", "only publish events of the organisations of this YAML file (see README; re-read on SIGHUP); instead of --azdo-org-url")
}

// Organisations are the organisations whose events ingest publishes (nil:
// any), from --azdo-orgs-file or --azdo-org-url; mistakes are [ErrUsage].
func (c *Ingest) Organisations() ([]orgs.Organization, error) {
	list, err := c.organisationList()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return list, nil
}

func (c *Ingest) organisationList() ([]orgs.Organization, error) {
	switch {
	case c.OrgsFile != "" && c.OrgURL != "":
		return nil, errors.New("set AZDO_ORGS_FILE or AZDO_ORG_URL, not both")
	case c.OrgsFile != "":
		list, err := orgs.Load(c.OrgsFile, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("AZDO_ORGS_FILE: %w", err)
		}
		return list, nil
	case c.OrgURL != "":
		list, err := orgs.Single(c.OrgURL, orgs.CredentialSpec{})
		if err != nil {
			return nil, fmt.Errorf("AZDO_ORG_URL: %w", err)
		}
		return list, nil
	}
	return nil, nil
}

// AzureDevOps selects the organisations and their credentials: the
// organisations file, or one organisation and its PAT.
type AzureDevOps struct {
	// OrgsFile is the organisations file (AZDO_ORGS_FILE), instead of
	// OrgURL and PAT.
	OrgsFile          string
	OrgURL            string
	PAT               string
	PATFile           string
	MaxConcurrent     int
	RequestsPerSecond float64
	MaxRetries        int
	// BlobBatchFiles and BlobBatchBytes bound one bulk read of file
	// versions (azdo.Config).
	BlobBatchFiles int
	BlobBatchBytes int64
	// Budget is each organisation's identity-wide Azure DevOps budget in
	// estimated TSTU units per 5 minutes, shared by every worker process
	// of the fleet (AZDO_BUDGET; an organisation's azure_budget replaces
	// it). Default [DefaultBudget]; 0 or negative: none, the per-process
	// limits alone.
	Budget int
	// CAFile is a PEM bundle of certificate authorities trusted for Azure
	// DevOps Server's HTTPS besides the system's.
	CAFile string
	// Credential, if set, authorises the calls in place of PAT and PATFile:
	// an organisation's credential from the organisations file, built with
	// credential.New and CredentialOptions. It has no flag.
	Credential azdo.Credential
	// CredentialOptions, if set, replaces CredentialOptions() for building
	// the organisations' credentials (a test's loopback Entra). It has no
	// flag.
	CredentialOptions *credential.Options
}

// RegisterAzureDevOps adds the organisation and PAT flags to fs.
func RegisterAzureDevOps(fs *flag.FlagSet) *AzureDevOps {
	c := &AzureDevOps{}
	c.register(fs)
	return c
}

func (c *AzureDevOps) register(fs *flag.FlagSet) {
	fs.StringVar(&c.OrgsFile, "azdo-orgs-file", "", "YAML file of the Azure DevOps organisations to serve, each with its URL, credential and defaults (see README; re-read on SIGHUP); instead of --azdo-org-url and its PAT")
	fs.StringVar(&c.OrgURL, "azdo-org-url", "", "Azure DevOps organisation URL, e.g. https://dev.azure.com/fabrikam")
	fs.StringVar(&c.PAT, "azdo-pat", "", "Azure DevOps personal access token (prefer AZDO_PAT or AZDO_PAT_FILE)")
	fs.StringVar(&c.PATFile, "azdo-pat-file", "", "file holding the Azure DevOps personal access token")
	fs.IntVar(&c.MaxConcurrent, "azdo-max-concurrent", 8, "Azure DevOps calls in flight at once per process (negative: unlimited)")
	fs.Float64Var(&c.RequestsPerSecond, "azdo-requests-per-second", 50, "Azure DevOps calls per second per process, bursts of two seconds' worth (negative: unlimited)")
	fs.IntVar(&c.Budget, "azdo-budget", DefaultBudget, "identity-wide Azure DevOps budget per organisation, in estimated TSTU units (a read 1, a write 2) per 5 minutes, shared by every worker process through NATS; an organisation's azure_budget replaces it (0 or negative: none, the per-process limits alone)")
	fs.IntVar(&c.MaxRetries, "azdo-max-retries", 4, "resends of one Azure DevOps call after 429, 502-504 or a timeout (negative: none)")
	fs.IntVar(&c.BlobBatchFiles, "azdo-blob-batch-files", 1000, "file versions one bulk read of blobs (one call, answered with a zip) asks for (negative: every version read by itself)")
	fs.Int64Var(&c.BlobBatchBytes, "azdo-blob-batch-bytes", 16<<20, "largest zip, in bytes, one bulk read of blobs holds in memory; a larger one is split and asked for again")
	fs.StringVar(&c.CAFile, "azdo-ca-file", "", "PEM file of certificate authorities to trust for Azure DevOps (Server with a private CA), besides the system's")
}

// Organizations are the organisations to serve: those of the
// organisations file, or AZDO_ORG_URL with its PAT as a one-entry list.
// Mistakes are [ErrUsage]; a file's are an [*orgs.Error] listing each
// with its line.
func (c *AzureDevOps) Organizations() ([]orgs.Organization, error) {
	if c.OrgsFile != "" {
		switch {
		case c.OrgURL != "":
			return nil, fmt.Errorf("%w: set AZDO_ORGS_FILE or AZDO_ORG_URL, not both", ErrUsage)
		case c.PAT != "" || c.PATFile != "":
			return nil, fmt.Errorf("%w: AZDO_PAT and AZDO_PAT_FILE go with AZDO_ORG_URL; with AZDO_ORGS_FILE each organisation names its credential", ErrUsage)
		}
		list, err := orgs.Load(c.OrgsFile, os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("%w: AZDO_ORGS_FILE: %w", ErrUsage, err)
		}
		return list, nil
	}
	var pat string
	if c.Credential == nil {
		var err error
		if pat, err = c.ResolvePAT(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, err)
		}
	}
	if c.OrgURL == "" {
		return nil, fmt.Errorf("%w: no Azure DevOps organisation: set AZDO_ORG_URL, or AZDO_ORGS_FILE", ErrUsage)
	}
	list, err := orgs.Single(c.OrgURL, orgs.CredentialSpec{PAT: pat})
	if err != nil {
		return nil, fmt.Errorf("%w: AZDO_ORG_URL: %w", ErrUsage, err)
	}
	return list, nil
}

// Client returns an Azure DevOps client for the one organisation
// configured, or for the one named by org (its name or URL) of the
// organisations file; or a configuration error saying what to set.
func (c *AzureDevOps) Client(ctx context.Context, org string, transport http.RoundTripper, metrics *azdo.Metrics) (*azdo.Client, error) {
	list, err := c.Organizations()
	if err != nil {
		return nil, err
	}
	o, err := pickOrganization(list, org)
	if err != nil {
		return nil, err
	}
	return c.ClientFor(ctx, o, transport, metrics)
}

// pickOrganization is the organisation org names, or the only one.
func pickOrganization(list []orgs.Organization, org string) (orgs.Organization, error) {
	if org != "" {
		o, ok := orgs.Find(list, org)
		if !ok {
			return orgs.Organization{}, fmt.Errorf("%w: --org %q is none of the organisations configured (%s)", ErrUsage, org, orgs.Names(list))
		}
		return o, nil
	}
	if len(list) != 1 {
		return orgs.Organization{}, fmt.Errorf("%w: %d organisations are configured (%s): name one with --org", ErrUsage, len(list), orgs.Names(list))
	}
	return list[0], nil
}

// trustingTransport returns base (a clone of http.DefaultTransport when
// nil, which it must then be) trusting the certificate authorities of the
// PEM file at path besides the system's.
func trustingTransport(base http.RoundTripper, path string) (http.RoundTripper, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	t, ok := base.(*http.Transport)
	switch {
	case base == nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case !ok:
		return nil, fmt.Errorf("a custom transport (%T) cannot take a CA file", base)
	default:
		t = t.Clone()
	}
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	t.TLSClientConfig.RootCAs = pool
	return t, nil
}

// Worker is the review worker's configuration.
type Worker struct {
	AzureDevOps
	Concurrency   int
	MetricsAddr   string
	ReviewTimeout time.Duration
	MaxFiles      int
	ShutdownGrace time.Duration
	AnalyzersFile string
	// AnalyzersUIDs is the range of user ids ("FIRST-LAST") the external
	// analyzers run as when the worker runs as root, one id per run.
	AnalyzersUIDs string
	// AnalyzersUID and AnalyzersGID are the removed single user and group
	// of the analyzers; a worker with analyzers refuses them.
	AnalyzersUID, AnalyzersGID int
	// BlockingSeverity fails the azreviewer/review status.
	BlockingSeverity string
	// MaxThreads caps the finding threads of one review.
	MaxThreads int
	// CommentAllowedHosts are the hosts comments may link to,
	// comma-separated.
	CommentAllowedHosts string
	// SweepInterval is how often the recovery sweep runs; 0 turns it off.
	SweepInterval time.Duration
	// ThreadListPeriod is how often a pull request's review reads its whole
	// thread list again; 0 never (worker.Config.ThreadListPeriod).
	ThreadListPeriod time.Duration
	// StateClockSkew is the most Azure DevOps's clock may run ahead of
	// the NATS server's, for the first review of a new pull request; 0:
	// the thread list is read whenever there is no state
	// (worker.Config.StateClockSkew).
	StateClockSkew time.Duration
	// FirstReviewWindow is how recently a pull request must have been
	// created for its first review to skip the thread list; 0: it never
	// does (worker.Config.FirstReviewWindow).
	FirstReviewWindow time.Duration
	// HeadKeepBytes bounds the head versions one review keeps for the
	// reviewers that read them; 0 none (worker.Config.HeadBytes).
	HeadKeepBytes int
	// LLM configures the LLM reviewer, if any.
	LLM LLM
}

// RegisterWorker adds the worker flags to fs.
func RegisterWorker(fs *flag.FlagSet) *Worker {
	c := &Worker{}
	c.register(fs)
	fs.IntVar(&c.Concurrency, "worker-concurrency", 4, "reviews one worker runs at once")
	fs.DurationVar(&c.ReviewTimeout, "review-timeout", 10*time.Minute, "longest one review may take")
	fs.IntVar(&c.MaxFiles, "max-files", 1000, "most changed files one review reads")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 30*time.Second, "how long running reviews may finish after SIGTERM")
	fs.StringVar(&c.AnalyzersFile, "analyzers-file", "", "YAML list of external SARIF analyzers run on every review (see README)")
	fs.StringVar(&c.AnalyzersUIDs, "analyzers-uids", analyzers.DefaultUsers, "range of user ids (FIRST-LAST, used by nothing else) the external analyzers run as when the worker runs as root: one id, as uid and gid, per run; as many runs at once as ids")
	fs.IntVar(&c.AnalyzersUID, "analyzers-uid", 0, "removed: use --analyzers-uids")
	fs.IntVar(&c.AnalyzersGID, "analyzers-gid", 0, "removed: use --analyzers-uids")
	fs.StringVar(&c.BlockingSeverity, "blocking-severity", "error", "open findings at or above this severity (info, warning, error) fail the azreviewer/review status")
	fs.IntVar(&c.MaxThreads, "max-threads", 25, "most finding threads one review has, the most severe first; the rest are counted in the summary")
	fs.StringVar(&c.CommentAllowedHosts, "comment-allowed-hosts", "", `hosts (comma-separated, "*.example.com" for subdomains) a reviewer's text may link to in comments; others are shown as text`)
	fs.DurationVar(&c.SweepInterval, "sweep-interval", 0, "how often one worker of the fleet lists the active pull requests and enqueues those whose head was never reviewed (lost webhooks); 0: off")
	fs.DurationVar(&c.ThreadListPeriod, "thread-list-period", worker.DefaultThreadListPeriod, "longest a pull request's reviews go by the review state's thread index alone before one reads the whole thread list again, which learns won't-fix set by hand; 0: never")
	fs.DurationVar(&c.StateClockSkew, "state-clock-skew", worker.DefaultStateClockSkew, "most Azure DevOps's clock may run ahead of the NATS server's: a first review of a pull request created more than this after the review-state bucket's epoch does not read the thread list; 0: it always does")
	fs.DurationVar(&c.FirstReviewWindow, "first-review-window", worker.DefaultFirstReviewWindow, "a first review of a pull request created longer ago than this (by the worker's clock) reads the thread list, whatever the review-state bucket's epoch: a bucket that did not see every review, as after a fail-over to a standby, is trusted only for pull requests created since; 0: it always does")
	fs.IntVar(&c.HeadKeepBytes, "head-keep-bytes", worker.DefaultHeadBytes, "most bytes of head versions one review keeps from its bulk read for the analyzers and the model's context, which read the rest one by one; 0: none")
	c.LLM.register(fs)
	return c
}

// RegisterMetricsAddr adds --metrics-addr, the worker process's own
// listener (the all-in-one serves metrics on the ingest listener).
func (c *Worker) RegisterMetricsAddr(fs *flag.FlagSet) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", ":9090", `listen address of the worker's /healthz, /readyz and /metrics ("off": none)`)
}

// ResolvePAT returns the PAT from --azdo-pat or --azdo-pat-file.
func (c *AzureDevOps) ResolvePAT() (string, error) {
	switch {
	case c.PAT != "" && c.PATFile != "":
		return "", errors.New("set AZDO_PAT or AZDO_PAT_FILE, not both")
	case c.PAT != "":
		return c.PAT, nil
	case c.PATFile != "":
		b, err := os.ReadFile(c.PATFile)
		if err != nil {
			return "", fmt.Errorf("read AZDO_PAT_FILE: %w", err)
		}
		pat := strings.TrimSpace(string(b))
		if pat == "" {
			return "", fmt.Errorf("AZDO_PAT_FILE %s is empty", c.PATFile)
		}
		return pat, nil
	default:
		return "", errors.New("no Azure DevOps PAT: set AZDO_PAT or AZDO_PAT_FILE")
	}
}
