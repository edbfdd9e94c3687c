// Package doctor checks, without writing anything, that azreviewer can do
// its job for one repository: the PAT is accepted and whose it is, the
// repository and its pull requests are readable, the PAT owner holds every
// Git permission a review needs, and the project's service hooks deliver
// the needed events to this ingest and are enabled. Each failed check says
// what to fix.
package doctor

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
)

// AzureDevOps is what doctor reads. *azdo.Client implements it.
type AzureDevOps interface {
	WhoAmI(ctx context.Context) (azdo.Identity, error)
	Repository(ctx context.Context, project, repository string) (*git.GitRepository, error)
	ActivePullRequests(ctx context.Context, project, repositoryID string, top int) ([]git.GitPullRequest, error)
	HasPermission(ctx context.Context, projectID, repositoryID string, perm azdo.GitPermission) (bool, error)
	WebhookSubscriptions(ctx context.Context) ([]azdo.Subscription, error)
}

// Config names what to check.
type Config struct {
	// Project and Repository, by name or id.
	Project    string
	Repository string
	// WebhookURL is the public URL of this ingest's webhook endpoint; the
	// query (a token) is ignored. Empty: subscriptions are not checked.
	WebhookURL string
}

// Status of a check.
type Status string

// Statuses.
const (
	Pass Status = "pass"
	Fail Status = "FAIL"
	Warn Status = "warn"
	Skip Status = "skip"
)

// Check is one line of the report.
type Check struct {
	Name   string
	Status Status
	// Detail says what was found; Fix, for a failure or warning, what to do.
	Detail string
	Fix    string
}

// Failed reports whether any check failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Run performs every check. A check that cannot run because an earlier one
// failed is skipped with the reason.
func Run(ctx context.Context, az AzureDevOps, cfg Config) []Check {
	var checks []Check
	add := func(c Check) { checks = append(checks, c) }

	who, err := az.WhoAmI(ctx)
	if err != nil {
		add(failed("PAT accepted", err))
		add(Check{Name: "Repository readable", Status: Skip, Detail: "the PAT is not accepted"})
		return checks
	}
	add(Check{Name: "PAT accepted", Status: Pass, Detail: fmt.Sprintf("authenticates as %s (%s)", who.Name(), who.ID)})

	repo, err := az.Repository(ctx, cfg.Project, cfg.Repository)
	if err != nil {
		add(failed("Repository readable", err))
		return checks
	}
	projectID, repoID, repoName := "", "", deref(repo.Name)
	if repo.Id != nil {
		repoID = repo.Id.String()
	}
	if repo.Project != nil && repo.Project.Id != nil {
		projectID = repo.Project.Id.String()
	}
	add(Check{Name: "Repository readable", Status: Pass, Detail: fmt.Sprintf("%s/%s (%s)", cfg.Project, repoName, repoID)})

	if prs, err := az.ActivePullRequests(ctx, projectID, repoID, 100); err != nil {
		add(failed("Pull requests readable", err))
	} else {
		add(Check{Name: "Pull requests readable", Status: Pass, Detail: fmt.Sprintf("%d active (first 100 counted)", len(prs))})
	}

	for _, p := range azdo.ReviewPermissions() {
		name := "Permission " + p.Label()
		has, err := az.HasPermission(ctx, projectID, repoID, p)
		switch {
		case err != nil:
			add(failed(name, err))
		case has:
			add(Check{Name: name, Status: Pass, Detail: fmt.Sprintf("%s holds %s on %s", who.Name(), p.Name(), repoName)})
		default:
			add(Check{Name: name, Status: Fail, Detail: fmt.Sprintf("%s lacks %s on %s", who.Name(), p.Name(), repoName),
				Fix: fmt.Sprintf("Grant %q on repository %q to %q (Project settings > Repositories > %s > Security).", p.Label(), repoName, who.Name(), repoName)})
		}
	}

	add(Check{Name: "PAT write scope", Status: Skip,
		Detail: "cannot be checked without writing; a PAT without Code (Read & Write) fails its first write as missing_scope"})

	if cfg.WebhookURL == "" {
		add(Check{Name: "Service hooks", Status: Skip, Detail: "no --webhook-url given"})
		return checks
	}
	subs, err := az.WebhookSubscriptions(ctx)
	if err != nil {
		add(failed("Service hooks", err))
		return checks
	}
	for _, need := range requiredHooks() {
		add(checkHook(need, subs, cfg.WebhookURL, projectID, repoID))
	}
	return checks
}

// hookNeed is an event azreviewer wants delivered.
type hookNeed struct {
	eventType string
	required  bool
	why       string
}

func requiredHooks() []hookNeed {
	return []hookNeed{
		{events.EventPullRequestCreated, true, "new pull requests are not reviewed"},
		{events.EventPullRequestUpdated, true, "pushes to pull requests are not reviewed"},
		{events.EventPullRequestComment, false, "/azreviewer review commands do not arrive"},
	}
}

// checkHook finds the subscriptions of an event that deliver to this ingest
// and cover the repository, and says whether one of them is enabled.
func checkHook(need hookNeed, subs []azdo.Subscription, webhookURL, projectID, repoID string) Check {
	c := Check{Name: "Service hook " + need.eventType}
	var mine, elsewhere []azdo.Subscription
	for _, s := range subs {
		if s.EventType != need.eventType {
			continue
		}
		if (s.ProjectID != "" && !strings.EqualFold(s.ProjectID, projectID)) || (s.RepositoryID != "" && !strings.EqualFold(s.RepositoryID, repoID)) {
			continue
		}
		if sameEndpoint(s.URL, webhookURL) {
			mine = append(mine, s)
		} else {
			elsewhere = append(elsewhere, s)
		}
	}
	missing := Fail
	if !need.required {
		missing = Warn
	}
	if len(mine) == 0 {
		c.Status = missing
		c.Detail = fmt.Sprintf("no subscription delivers it to %s", redactQuery(webhookURL))
		if len(elsewhere) > 0 {
			c.Detail += fmt.Sprintf(" (%d deliver elsewhere, e.g. %s)", len(elsewhere), redactQuery(elsewhere[0].URL))
		}
		c.Fix = fmt.Sprintf("Without it %s. Add a Web Hooks subscription for %q to %s (Project settings > Service hooks).", need.why, need.eventType, redactQuery(webhookURL))
		return c
	}
	for _, s := range mine {
		if s.Status == "enabled" && pushesDelivered(s) {
			c.Status, c.Detail = Pass, fmt.Sprintf("subscription %s is enabled", s.ID)
			return c
		}
	}
	s := mine[0]
	c.Status = missing
	switch {
	case !pushesDelivered(s):
		c.Detail = fmt.Sprintf("subscription %s only delivers %s updates", s.ID, s.NotificationType)
		c.Fix = "Set its filter to 'Source branch updated' (PushNotification) or to any change, or add a subscription that delivers pushes."
	case s.Status == "onProbation":
		c.Detail = fmt.Sprintf("subscription %s is on probation: Azure DevOps drops new events until a retried delivery succeeds", s.ID)
		c.Fix = "Make the endpoint answer 2xx (check ingest's logs and /readyz), then re-enable the subscription in Project settings > Service hooks."
	case strings.HasPrefix(s.Status, "disabled"):
		c.Detail = fmt.Sprintf("subscription %s is %s", s.ID, s.Status)
		c.Fix = "Re-enable it in Project settings > Service hooks (disabledBySystem follows repeated failed deliveries; disabledByInactiveIdentity, its creator leaving)."
	default:
		c.Detail = fmt.Sprintf("subscription %s has status %q", s.ID, s.Status)
		c.Fix = "Enable it in Project settings > Service hooks."
	}
	return c
}

// pushesDelivered: an updated subscription filtered to a notification type
// other than pushes never delivers pushes.
func pushesDelivered(s azdo.Subscription) bool {
	return s.EventType != events.EventPullRequestUpdated || s.NotificationType == "" || s.NotificationType == "PushNotification"
}

// sameEndpoint compares scheme, host and path, ignoring the query (a token)
// and case where Azure ignores it.
func sameEndpoint(a, b string) bool {
	ua, errA := url.Parse(strings.TrimSpace(a))
	ub, errB := url.Parse(strings.TrimSpace(b))
	if errA != nil || errB != nil {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimRight(ua.Path, "/") == strings.TrimRight(ub.Path, "/")
}

// redactQuery drops the query, which may hold the webhook token.
func redactQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.User = nil
	return u.String()
}

func failed(name string, err error) Check {
	c := Check{Name: name, Status: Fail, Detail: err.Error()}
	if e, ok := azdo.AsError(err); ok {
		c.Fix = e.Diagnosis()
		if e.Retryable() {
			c.Fix = "Azure DevOps could not be reached or answered with a temporary error: check AZDO_ORG_URL, DNS, proxies and Azure DevOps' status, then run doctor again."
		}
	}
	return c
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
