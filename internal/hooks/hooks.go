// Package hooks installs and checks the service-hook subscriptions
// azreviewer needs in a project (or one repository): pull request created,
// updated (pushes only) and commented on, delivered to ingest's webhook URL
// with every resource detail. Install is idempotent: it creates what is
// missing, repairs what is disabled, on probation or pointed elsewhere, and
// keeps the rest; Status says what state each is in and what to do.
package hooks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// Client is what Install and Status call; *azdo.Client implements it.
type Client interface {
	WebhookSubscriptions(ctx context.Context) ([]azdo.Subscription, error)
	CreateWebhookSubscription(ctx context.Context, spec azdo.WebhookSpec) (azdo.Subscription, error)
	ReplaceWebhookSubscription(ctx context.Context, id string, spec azdo.WebhookSpec) (azdo.Subscription, error)
}

// Target is where the subscriptions deliver and what they cover.
type Target struct {
	// ProjectID is the project's id (a GUID, as publisher inputs name it);
	// RepositoryID, when set, limits the events to one repository.
	ProjectID, RepositoryID string
	// URL is ingest's webhook URL, its ?token= included: it is a secret,
	// and never printed (see Redact).
	URL string
	// BasicAuthUser and BasicAuthPassword, when set, are sent with each
	// delivery.
	BasicAuthUser, BasicAuthPassword string
}

// Event is one subscription azreviewer needs.
type Event struct {
	EventType string
	// NotificationType filters the event; git.pullrequest.updated with
	// PushNotification is pushes only (no votes, title or reviewer changes).
	NotificationType string
}

// Needed are the subscriptions azreviewer needs, in the order they are
// installed and shown.
var Needed = []Event{
	{EventType: "git.pullrequest.created"},
	{EventType: "git.pullrequest.updated", NotificationType: "PushNotification"},
	{EventType: "ms.vss-code.git-pullrequest-comment-event"},
}

// Actions of Install.
const (
	Created  = "created"
	Repaired = "repaired"
	Kept     = "kept"
	// Failed: the create or repair was refused; the outcome's Problem says
	// why, its Subscription is the one found, unchanged (empty if none).
	Failed = "failed"
)

// Outcome is what Install did, or Status found, for one needed event.
type Outcome struct {
	Event Event
	// Action is Created, Repaired, Kept or Failed (Install); "" for Status.
	Action string
	// Subscription is the subscription after the action, or as found;
	// empty when none is there (Status).
	Subscription azdo.Subscription
	// Duplicates are other subscriptions of the same event and target,
	// left alone: Azure delivers through each.
	Duplicates int
	// Problem says what is wrong and how to fix it; "" when it is fine.
	Problem string
}

// Install makes sure every needed subscription exists for t, enabled and
// delivering to t.URL with every resource detail.
func Install(ctx context.Context, c Client, t Target) ([]Outcome, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	subs, err := c.WebhookSubscriptions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, 0, len(Needed))
	var errs []error
	for _, e := range Needed {
		mine := matching(subs, e, t)
		o := Outcome{Event: e, Duplicates: max(len(mine)-1, 0)}
		spec := azdo.WebhookSpec{EventType: e.EventType, NotificationType: e.NotificationType, ProjectID: t.ProjectID,
			RepositoryID: t.RepositoryID, URL: t.URL, BasicAuthUser: t.BasicAuthUser, BasicAuthPassword: t.BasicAuthPassword, Enabled: true}
		switch {
		case len(mine) == 0:
			o.Action = Created
			o.Subscription, err = c.CreateWebhookSubscription(ctx, spec)
		case needsRepair(mine[0], t):
			o.Action = Repaired
			o.Subscription, err = c.ReplaceWebhookSubscription(ctx, mine[0].ID, spec)
		default:
			o.Action, o.Subscription, err = Kept, mine[0], nil
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.EventType, err))
			o.Action, o.Problem, o.Subscription = Failed, err.Error(), azdo.Subscription{}
			if len(mine) > 0 {
				o.Subscription = mine[0]
			}
		}
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

// Status finds each needed subscription for t and says what is wrong with
// it. With t.URL empty, any subscription of the event and target counts.
func Status(ctx context.Context, c Client, t Target) ([]Outcome, error) {
	if t.ProjectID == "" {
		return nil, errors.New("the project is required")
	}
	subs, err := c.WebhookSubscriptions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, 0, len(Needed))
	for _, e := range Needed {
		mine := matching(subs, e, t)
		o := Outcome{Event: e, Duplicates: max(len(mine)-1, 0)}
		if len(mine) == 0 {
			o.Problem = "missing: no subscription delivers this event here; run hooks install"
		} else {
			o.Subscription = mine[0]
			o.Problem = problem(mine[0], t)
		}
		out = append(out, o)
	}
	return out, nil
}

// check says what a Target for Install lacks.
func (t Target) check() error {
	var errs []error
	if t.ProjectID == "" {
		errs = append(errs, errors.New("the project is required"))
	}
	u, err := url.Parse(t.URL)
	if t.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, errors.New("the webhook URL must be an absolute http(s) URL, such as https://ingest.example.com/webhooks/azure-devops?token=…"))
	}
	return errors.Join(errs...)
}

// matching returns the subscriptions of subs for event e and target t:
// same event type, project, repository filter and notification type, and,
// when t has a URL, the same endpoint (scheme, host and path, in any case
// and with or without a trailing slash; the query, which holds the token,
// may differ: all are then repaired).
func matching(subs []azdo.Subscription, e Event, t Target) []azdo.Subscription {
	var out []azdo.Subscription
	for _, s := range subs {
		if strings.EqualFold(s.EventType, e.EventType) && strings.EqualFold(s.ProjectID, t.ProjectID) &&
			strings.EqualFold(s.RepositoryID, t.RepositoryID) && strings.EqualFold(s.NotificationType, e.NotificationType) &&
			(t.URL == "" || endpoint(s.URL) == endpoint(t.URL)) {
			out = append(out, s)
		}
	}
	return out
}

// needsRepair reports whether s, one of t's subscriptions, must be
// replaced: not enabled, or delivering otherwise than t asks.
func needsRepair(s azdo.Subscription, t Target) bool {
	return problem(s, t) != "" || s.URL != t.URL || s.BasicAuthUser != t.BasicAuthUser
}

// problem says what is wrong with s and how to fix it.
func problem(s azdo.Subscription, t Target) string {
	switch s.Status {
	case "enabled":
	case "onProbation":
		return "on probation: deliveries failed, and Azure DevOps drops new events while it retries; check that ingest answers 2xx at the URL, then run hooks install to enable it again"
	case "disabledByUser":
		return "disabled by a user; run hooks install to enable it"
	case "disabledBySystem":
		return "disabled by Azure DevOps after repeated failures; fix ingest's address or answers, then run hooks install"
	case "disabledByInactiveIdentity":
		return "disabled: the identity that created it is inactive; run hooks install with an active identity's PAT"
	default:
		return fmt.Sprintf("status %q; run hooks install", s.Status)
	}
	if s.ResourceDetails != "" && s.ResourceDetails != "all" {
		return fmt.Sprintf("sends resource details %q, not all: the payload then lacks the pull request; run hooks install", s.ResourceDetails)
	}
	return ""
}

// endpoint is u without its query, fragment and a trailing slash, in lower
// case.
func endpoint(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return strings.ToLower(u)
	}
	p.RawQuery, p.Fragment, p.User = "", "", nil
	p.Path, p.RawPath = strings.TrimRight(p.Path, "/"), strings.TrimRight(p.RawPath, "/")
	return strings.ToLower(p.String())
}

// Redact is u fit to print: its query (the token) and user information
// replaced.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(a URL that does not parse)"
	}
	if p.RawQuery != "" {
		p.RawQuery = "…"
	}
	p.User = nil
	return p.String()
}
