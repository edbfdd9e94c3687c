package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/budget"
	"github.com/azreviewer/azreviewer/internal/orgs"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// The log messages of a reload of the organisations file.
const (
	// LogOrganisationsReloaded: the file was read again; its organisations
	// are served from now on (reviews running finish on the previous ones).
	LogOrganisationsReloaded = "organisations reloaded"
	// LogOrganisationsNotReloaded: the file has mistakes (one line each,
	// with its line and column) or a credential could not be built; the
	// previous organisations are kept.
	LogOrganisationsNotReloaded = "organisations file not reloaded: the previous organisations are kept"
)

// OrgsFilePoll is how often a worker looks at the organisations file's
// modification time and size, and reloads it when either changed.
const OrgsFilePoll = 10 * time.Second

// logOrgsProblems logs why the organisations could not be reloaded: each
// problem of the file on a line of its own, with its line and column.
func logOrgsProblems(ctx context.Context, log *slog.Logger, err error) {
	var pe *orgs.Error
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			log.ErrorContext(ctx, LogOrganisationsNotReloaded, "file", pe.File, "line", p.Line, "column", p.Column, "field", p.Field, "problem", p.Message)
		}
		return
	}
	log.ErrorContext(ctx, LogOrganisationsNotReloaded, "error", err)
}

// orgClient is an organisation served and its Azure DevOps client.
type orgClient struct {
	org    orgs.Organization
	client *azdo.Client
	// budget is the client's identity-wide budget (nil: none), attached
	// to the fleet's bucket once NATS is connected.
	budget *budget.Budget
}

// budgetSetup is how a worker's clients get their identity-wide budgets;
// nil (doctor, one-off commands): no budget, the per-process limits alone.
type budgetSetup struct {
	metrics *budget.Metrics
	log     *slog.Logger
}

// budgetOf is o's budget in units per 5 minutes: its azure_budget, else
// AZDO_BUDGET (0: none, as for azure_budget: off).
func (c *AzureDevOps) budgetOf(o orgs.Organization) int {
	if o.AzureBudget == orgs.BudgetOff {
		return 0
	}
	return cmp.Or(o.AzureBudget, max(c.Budget, 0))
}

// orgClients builds each organisation's client, reusing the client of prev
// whose organisation (URL and name), credential as written and credential
// identity are unchanged (an Entra identity names no secret: a rotated
// inline secret or another tenant is a new credential),
// so that its limiter and Retry-After pause (per organisation and identity)
// carry over a reload.
func (c *AzureDevOps) orgClients(ctx context.Context, list []orgs.Organization, transport http.RoundTripper, metrics *azdo.Metrics, prev []orgClient, budgets *budgetSetup) ([]orgClient, error) {
	transport, err := c.transport(transport)
	if err != nil {
		return nil, err
	}
	out := make([]orgClient, 0, len(list))
	var errs []error
	for _, o := range list {
		cred, err := c.credential(ctx, o, transport)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if i := slices.IndexFunc(prev, func(p orgClient) bool {
			return p.org.URL == o.URL && p.org.Name == o.Name && reflect.DeepEqual(p.org.Credential, o.Credential) && p.client.Identity() == cred.Identity() &&
				(budgets == nil || c.budgetOf(p.org) == c.budgetOf(o))
		}); i >= 0 {
			out = append(out, orgClient{org: o, client: prev[i].client, budget: prev[i].budget})
			continue
		}
		var bud *budget.Budget
		if limit := c.budgetOf(o); budgets != nil && limit > 0 {
			bud, err = budget.New(budget.Config{Org: o.Name, Identity: cred.Identity(), Limit: float64(limit), Metrics: budgets.metrics, Logger: budgets.log})
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: organisation %s: %w", ErrUsage, o.Name, err))
				continue
			}
		}
		client, err := c.newClient(o, cred, transport, metrics, bud)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, orgClient{org: o, client: client, budget: bud})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// ClientFor returns an Azure DevOps client for o with its credential,
// this process's limits and the CA file; its metrics carry o's name as the
// org label.
func (c *AzureDevOps) ClientFor(ctx context.Context, o orgs.Organization, transport http.RoundTripper, metrics *azdo.Metrics) (*azdo.Client, error) {
	transport, err := c.transport(transport)
	if err != nil {
		return nil, err
	}
	cred, err := c.credential(ctx, o, transport)
	if err != nil {
		return nil, err
	}
	return c.newClient(o, cred, transport, metrics, nil)
}

// transport is base trusting AZDO_CA_FILE, when set.
func (c *AzureDevOps) transport(base http.RoundTripper) (http.RoundTripper, error) {
	if c.CAFile == "" {
		return base, nil
	}
	t, err := trustingTransport(base, c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("%w: AZDO_CA_FILE: %w", ErrUsage, err)
	}
	return t, nil
}

// credential is o's credential: c.Credential when set (one organisation,
// no file), else built from o's spec with the processes' options.
func (c *AzureDevOps) credential(ctx context.Context, o orgs.Organization, transport http.RoundTripper) (azdo.Credential, error) {
	if c.Credential != nil && c.OrgsFile == "" {
		return c.Credential, nil
	}
	opts := CredentialOptions()
	if c.CredentialOptions != nil {
		opts = *c.CredentialOptions
	}
	if opts.Transport == nil {
		opts.Transport = transport
	}
	cred, err := o.NewCredential(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return cred, nil
}

func (c *AzureDevOps) newClient(o orgs.Organization, cred azdo.Credential, transport http.RoundTripper, metrics *azdo.Metrics, bud *budget.Budget) (*azdo.Client, error) {
	cfg := azdo.Config{
		OrgURL: o.URL, Credential: cred, Transport: transport,
		MaxConcurrent: c.MaxConcurrent, RequestsPerSecond: c.RequestsPerSecond, MaxRetries: c.MaxRetries,
		BlobBatchFiles: c.BlobBatchFiles, BlobBatchBytes: c.BlobBatchBytes,
		Metrics: metrics.ForOrg(o.Name),
	}
	if bud != nil {
		cfg.Budget = bud
	}
	client, err := azdo.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: organisation %s: %w", ErrUsage, o.Name, err)
	}
	return client, nil
}

// orgNames lists the organisations' names, for logs.
func orgNames(list []orgClient) []string {
	out := make([]string, len(list))
	for i, o := range list {
		out[i] = o.org.Name
	}
	return out
}

// orgBudgets is each organisation's identity-wide budget in units per 5
// minutes, in orgNames' order ("off": none).
func (c *AzureDevOps) orgBudgets(list []orgClient) []string {
	out := make([]string, len(list))
	for i, o := range list {
		out[i] = "off"
		if o.budget != nil {
			out[i] = strconv.Itoa(c.budgetOf(o.org))
		}
	}
	return out
}

// routes builds a Worker per organisation from the review settings
// shared by all, each with its organisation's URL, client and defaults.
func routes(review worker.Config, list []orgClient, metrics *worker.Metrics, log *slog.Logger) ([]worker.Route, error) {
	out := make([]worker.Route, 0, len(list))
	for _, oc := range list {
		cfg := review
		cfg.OrgURL = oc.org.URL
		cfg.RepoDefaults = oc.org.Defaults
		cfg.ProjectDefaults = oc.org.Projects
		cfg.Logger = log.With("org", oc.org.Name)
		w, err := worker.New(cfg, oc.client, metrics)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUsage, nameWorkerSettings(err))
		}
		out = append(out, worker.Route{Worker: w, Lister: oc.client})
	}
	return out, nil
}

// fileStamp is what tells that a file changed: its modification time and
// size (zero when it cannot be read).
type fileStamp struct {
	mod  time.Time
	size int64
}

func stampOf(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{mod: fi.ModTime(), size: fi.Size()}
}
