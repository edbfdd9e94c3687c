// Package doctor checks that azreviewer can do its job for one repository:
// an Entra credential gets a token, the PAT or identity is accepted and
// whose it is, the repository and its pull requests
// are readable, the PAT owner holds every Git permission a review needs,
// and the project's service hooks deliver the needed events to this ingest
// and are enabled. Each failed check says what to fix.
//
// It writes nothing unless asked to probe a pull request
// (Config.ProbePullRequest): then it creates a comment thread there, reads
// it back and deletes the comment, the only proof of Code (Read & Write)
// and Contribute to pull requests for a least-privilege PAT, whose scopes
// do not allow evaluating permissions.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// AzureDevOps is what doctor reads. *azdo.Client implements it.
type AzureDevOps interface {
	WhoAmI(ctx context.Context) (azdo.Identity, error)
	Repository(ctx context.Context, project, repository string) (azdo.Repository, error)
	ActivePullRequests(ctx context.Context, project, repositoryID string, top int) ([]azdo.PullRequest, error)
	HasPermission(ctx context.Context, projectID, repositoryID string, perm azdo.GitPermission) (bool, error)
	CanViewSubscriptions(ctx context.Context, projectID string) (bool, error)
	WebhookSubscriptions(ctx context.Context) ([]azdo.Subscription, error)
	Prober
}

// Config names what to check.
type Config struct {
	// Project and Repository, by name or id; both empty: only the
	// credential is checked.
	Project    string
	Repository string
	// WebhookURL is the public URL of this ingest's webhook endpoint; the
	// query (a token) is ignored. Empty: subscriptions are not checked.
	WebhookURL string
	// ProbePullRequest is the id of a pull request of the repository on
	// which to run the write probe (see Probe). 0: no probe, nothing is
	// written.
	ProbePullRequest int
	// Credential, if set and not a PAT, is checked first: its token request
	// ("Token request"), whose refusal is printed with Entra's code, what it
	// means and the fix, and then nothing else is checked.
	Credential azdo.Credential
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

	accepted := "PAT accepted"
	if cred := cfg.Credential; cred != nil && !isPAT(cred) {
		accepted = "Identity accepted"
		c := checkToken(ctx, cred)
		add(c)
		if c.Status == Fail {
			add(Check{Name: accepted, Status: Skip, Detail: "no token"})
			return checks
		}
	}

	who, err := az.WhoAmI(ctx)
	if err != nil {
		add(failed(accepted, err))
		add(Check{Name: "Repository readable", Status: Skip, Detail: "the credential is not accepted"})
		return checks
	}
	add(Check{Name: accepted, Status: Pass, Detail: fmt.Sprintf("authenticates as %s (%s)", who.Name(), who.ID)})
	if cfg.Project == "" && cfg.Repository == "" {
		add(Check{Name: "Repository readable", Status: Skip, Detail: "no --project and --repository given: the organisation's repositories are not checked"})
		return checks
	}

	repo, err := az.Repository(ctx, cfg.Project, cfg.Repository)
	if err != nil {
		// Azure DevOps accepted the identity: a refusal now is its access
		// level (an Entra identity's).
		add(failed("Repository readable", azdo.KnownIdentity(err)))
		return checks
	}
	projectID, repoID, repoName := repo.ProjectID, repo.ID, repo.Name
	add(Check{Name: "Repository readable", Status: Pass, Detail: fmt.Sprintf("%s/%s (%s)", cfg.Project, repoName, repoID)})

	if prs, err := az.ActivePullRequests(ctx, projectID, repoID, 100); err != nil {
		add(failed("Pull requests readable", azdo.KnownIdentity(err)))
	} else {
		add(Check{Name: "Pull requests readable", Status: Pass, Detail: fmt.Sprintf("%d active (first 100 counted)", len(prs))})
	}

	for _, p := range azdo.ReviewPermissions() {
		name := "Permission " + p.Label()
		has, err := az.HasPermission(ctx, projectID, repoID, p)
		switch {
		case isCannotEvaluate(err):
			add(cannotEvaluate(name, err, fmt.Sprintf("whether %s holds %s on %s", who.Name(), p.Name(), repoName)))
		case err != nil:
			add(failed(name, azdo.KnownIdentity(err)))
		case has:
			add(Check{Name: name, Status: Pass, Detail: fmt.Sprintf("%s holds %s on %s", who.Name(), p.Name(), repoName)})
		default:
			add(Check{Name: name, Status: Fail, Detail: fmt.Sprintf("%s lacks %s on %s", who.Name(), p.Name(), repoName),
				Fix: fmt.Sprintf("Grant %q on repository %q to %q (Project settings > Repositories > %s > Security).", p.Label(), repoName, who.Name(), repoName)})
		}
	}

	if cfg.ProbePullRequest > 0 {
		for _, c := range Probe(ctx, az, azdo.PullRequestRef{Project: projectID, RepositoryID: repoID, ID: cfg.ProbePullRequest}) {
			add(c)
		}
	} else {
		add(Check{Name: "PAT write scope", Status: Skip,
			Detail: "not checked without writing (--probe-pull-request N writes and deletes a comment on pull request N); a PAT without Code (Read & Write) fails its first write as missing_scope"})
	}

	if cfg.WebhookURL == "" {
		add(Check{Name: "Service hooks", Status: Skip, Detail: "no --webhook-url given"})
		return checks
	}
	for _, c := range checkHooks(ctx, az, who, cfg.WebhookURL, projectID, repoID) {
		add(c)
	}
	return checks
}

// checkHooks lists the subscriptions and checks each needed event. An
// identity without View Subscriptions on the project does not see its
// subscriptions: Azure DevOps answers 403 or leaves them out of the list
// (which one is unverified). So a 403 is "cannot see", and a list without
// any subscription of the project is "none exists" only if a permission
// evaluation says the identity may see them; if it may not, "cannot see";
// if the evaluation itself is impossible (the PAT's scopes), the checks
// fail as "none exists" with both fixes, rather than pass unchecked.
func checkHooks(ctx context.Context, az AzureDevOps, who azdo.Identity, webhookURL, projectID, repoID string) []Check {
	const name = "Service hooks visible"
	subs, err := az.WebhookSubscriptions(ctx)
	if e, ok := azdo.AsError(err); ok && e.Kind == azdo.KindForbidden {
		return hiddenHooks(name, who, projectID, "listing them was answered HTTP 403")
	}
	if err != nil {
		return []Check{failed("Service hooks", err)}
	}
	var checks []Check
	unsure := ""
	if !anyOfProject(subs, projectID) {
		canView, err := az.CanViewSubscriptions(ctx, projectID)
		switch {
		case err == nil && !canView:
			return hiddenHooks(name, who, projectID, "the list holds none of the project, and the PAT owner lacks View subscriptions there")
		case err == nil:
			checks = append(checks, Check{Name: name, Status: Pass, Detail: fmt.Sprintf("%s may view the project's subscriptions: none exists", who.Name())})
		case isCannotEvaluate(err):
			unsure = viewRightsFix(who, projectID)
			checks = append(checks, cannotEvaluate(name, err, "whether the PAT owner may see the project's subscriptions"))
		default:
			checks = append(checks, failed(name, err))
		}
	}
	for _, need := range requiredHooks() {
		c := checkHook(need, subs, webhookURL, projectID, repoID)
		if unsure != "" && c.Status != Pass {
			c.Detail += " (or the PAT owner cannot see them)"
			c.Fix += " If subscriptions exist, the PAT owner cannot see them: " + unsure
		}
		checks = append(checks, c)
	}
	return checks
}

// hiddenHooks reports subscriptions the PAT owner cannot see: a warning
// with how to grant view rights, and each event skipped.
func hiddenHooks(name string, who azdo.Identity, projectID, why string) []Check {
	checks := []Check{{
		Name: name, Status: Warn,
		Detail: fmt.Sprintf("%s cannot see the project's service-hook subscriptions (%s), so whether they deliver is unknown", who.Name(), why),
		Fix:    viewRightsFix(who, projectID),
	}}
	for _, need := range requiredHooks() {
		checks = append(checks, Check{Name: "Service hook " + need.eventType, Status: Skip, Detail: "the PAT owner cannot see subscriptions"})
	}
	return checks
}

// viewRightsFix says how to let the PAT owner see subscriptions.
func viewRightsFix(who azdo.Identity, projectID string) string {
	return fmt.Sprintf("Listing service hooks needs View subscriptions, held by Project Administrators by default. Run doctor with a project administrator's PAT, or grant it to %q: az devops security permission update --namespace-id %s --subject <descriptor of %s> --token PublisherSecurity/%s --allow-bit 1.",
		who.Name(), azdo.ServiceHooksNamespaceID, who.Name(), projectID)
}

// anyOfProject reports whether a subscription filters on the project (or
// on none).
func anyOfProject(subs []azdo.Subscription, projectID string) bool {
	for _, s := range subs {
		if s.ProjectID == "" || strings.EqualFold(s.ProjectID, projectID) {
			return true
		}
	}
	return false
}

// isCannotEvaluate reports a permission evaluation the PAT's scopes do not
// allow.
func isCannotEvaluate(err error) bool {
	e, ok := azdo.AsError(err)
	return ok && e.Kind == azdo.KindCannotEvaluate
}

// cannotEvaluate is the warning for a check the PAT's scopes cannot
// answer: what is unknown, and the scope that would tell.
func cannotEvaluate(name string, err error, unknown string) Check {
	scope := azdo.SecurityScope
	if e, ok := azdo.AsError(err); ok && e.Scope != "" {
		scope = e.Scope
	}
	return Check{
		Name: name, Status: Warn,
		Detail: fmt.Sprintf("cannot evaluate with this PAT's scopes: evaluating permissions needs %s, which it lacks; %s is unknown", scope, unknown),
		Fix: fmt.Sprintf("A review does not need %s. To check, run doctor once with a PAT of the same identity that has Security (Manage) (%s), or prove the write permissions with --probe-pull-request N.",
			scope, scope),
	}
}

// hookNeed is an event azreviewer wants delivered.
type hookNeed struct {
	eventType string
	required  bool
	why       string
}

func requiredHooks() []hookNeed {
	return []hookNeed{
		{servicehooks.EventPullRequestCreated, true, "new pull requests are not reviewed"},
		{servicehooks.EventPullRequestUpdated, true, "pushes to pull requests are not reviewed"},
		{servicehooks.EventPullRequestComment, false, "/azreviewer review commands do not arrive"},
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
	return s.EventType != servicehooks.EventPullRequestUpdated || s.NotificationType == "" || s.NotificationType == "PushNotification"
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

// isPAT reports a personal access token's credential (its identity is
// "pat:" and a fingerprint): it makes no token request.
func isPAT(c azdo.Credential) bool { return strings.HasPrefix(c.Identity(), "pat:") }

// checkToken asks an Entra credential for a token. A refusal is printed
// with Entra's code and what it means (the credential's error) and the fix.
func checkToken(ctx context.Context, cred azdo.Credential) Check {
	const name = "Token request"
	if _, err := cred.Authorization(ctx); err != nil {
		c := Check{Name: name, Status: Fail, Detail: err.Error()}
		var cf azdo.CredentialFailure
		if errors.As(err, &cf) {
			c.Fix = cf.Diagnosis()
		} else {
			c.Fix = "Microsoft Entra ID could not be reached or answered with a temporary error: check the network, proxies and Microsoft's service health, then run doctor again."
		}
		return c
	}
	return Check{Name: name, Status: Pass, Detail: cred.Identity() + " got a token for Azure DevOps from Microsoft Entra ID"}
}

func failed(name string, err error) Check {
	c := Check{Name: name, Status: Fail, Detail: err.Error()}
	if e, ok := azdo.AsError(err); ok {
		c.Fix = e.Diagnosis()
		if e.Retryable() {
			c.Fix = "Azure DevOps could not be reached or answered with a temporary error: check the organisation URL, DNS, proxies and Azure DevOps' status, then run doctor again."
		}
	}
	return c
}
