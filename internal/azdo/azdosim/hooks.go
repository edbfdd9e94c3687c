package azdosim

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/servicehooks"
)

// Service-hook subscription statuses (reference §1.4, §1.6).
const (
	SubscriptionEnabled                    = "enabled"
	SubscriptionOnProbation                = "onProbation"
	SubscriptionDisabledByUser             = "disabledByUser"
	SubscriptionDisabledBySystem           = "disabledBySystem"
	SubscriptionDisabledByInactiveIdentity = "disabledByInactiveIdentity"
)

// maskedSecret is what the service returns instead of a secret consumer
// input such as basicAuthPassword.
const maskedSecret = "********"

// SubscriptionSpec describes a Web Hooks service-hook subscription (consumer
// "webHooks", action "httpRequest", publisher "tfs") of a project.
type SubscriptionSpec struct {
	// EventType is required, e.g. "git.pullrequest.updated" (see the Event
	// constants).
	EventType string
	// URL is the receiver's URL, required.
	URL string
	// Status is one of the Subscription constants; empty means "enabled".
	Status string
	// Repository filters the events to one repository of the project; nil
	// means every repository.
	Repository *Repository
	// NotificationType is the publisherInputs filter of
	// git.pullrequest.updated, e.g. "PushNotification"; empty means none.
	NotificationType string
	// BasicAuthUser is the basicAuthUsername consumer input.
	BasicAuthUser string
	// BasicAuthPassword is stored but never returned: responses show
	// basicAuthPassword as "********", as the service does.
	BasicAuthPassword string
	// ResourceDetailsToSend is "all" (the default), "minimal" or "none".
	ResourceDetailsToSend string
	// ProbationRetries is how many probation retries have failed (0–7);
	// when positive, lastProbationRetryDate is set too.
	ProbationRetries int
	// CreatedBy is who created the subscription; empty means a simulated
	// project administrator.
	CreatedBy Identity
}

// hookSubscription is a service-hook subscription added with
// AddSubscription.
type hookSubscription struct {
	id                uuid.UUID
	tfsSubscriptionID uuid.UUID
	project           *Project
	spec              SubscriptionSpec
	created           time.Time
	notifications     int // deliveries numbered by PullRequest.Event
}

// AddSubscription adds a service-hook subscription to the project and
// returns its id. The organization's GET _apis/hooks/subscriptions lists it
// (see SubscriptionSpec for the fields), and PullRequest.Event uses the id
// of the first enabled subscription matching the event. It panics if
// EventType or URL is empty, Status is unknown, ProbationRetries is outside
// 0–7 or Repository belongs to another project. Safe to call while
// serving.
func (p *Project) AddSubscription(spec SubscriptionSpec) string {
	switch {
	case spec.EventType == "":
		panic("azdosim: subscription without an event type")
	case spec.URL == "":
		panic("azdosim: subscription without a URL")
	case spec.Repository != nil && spec.Repository.project != p:
		panic(fmt.Sprintf("azdosim: repository %q is not in project %q", spec.Repository.name, p.name))
	case spec.ProbationRetries < 0 || spec.ProbationRetries > 7:
		panic(fmt.Sprintf("azdosim: %d probation retries, want 0-7", spec.ProbationRetries))
	}
	switch spec.Status {
	case "":
		spec.Status = SubscriptionEnabled
	case SubscriptionEnabled, SubscriptionOnProbation, SubscriptionDisabledByUser,
		SubscriptionDisabledBySystem, SubscriptionDisabledByInactiveIdentity:
	default:
		panic(fmt.Sprintf("azdosim: invalid subscription status %q", spec.Status))
	}
	if spec.ResourceDetailsToSend == "" {
		spec.ResourceDetailsToSend = "all"
	}
	if spec.CreatedBy == (Identity{}) {
		spec.CreatedBy = Identity{DisplayName: "Simulated Administrator", UniqueName: "admin@azdosim.example"}
	}
	spec.CreatedBy = spec.CreatedBy.normalized()
	s := p.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := &hookSubscription{
		id:                uuid.New(),
		tfsSubscriptionID: uuid.New(),
		project:           p,
		spec:              spec,
		created:           s.now(),
	}
	p.org.hooks = append(p.org.hooks, sub)
	return sub.id.String()
}

// hookResourceVersion is the resourceVersion of an event type's payload
// (reference §1.1).
func hookResourceVersion(eventType string) string {
	switch eventType {
	case "git.pullrequest.merged":
		return "1.0-preview.1"
	case "ms.vss-code.git-pullrequest-comment-event":
		return "2.0"
	}
	return "1.0"
}

// model renders sub as the service lists it. Secrets are masked. Requires
// s.mu.
func (sub *hookSubscription) model() servicehooks.Subscription {
	org := sub.project.org
	spec := sub.spec
	publisherInputs := map[string]string{
		"projectId":         sub.project.id.String(),
		"tfsSubscriptionId": sub.tfsSubscriptionID.String(),
	}
	description := "Any repository"
	if spec.Repository != nil {
		publisherInputs["repository"] = spec.Repository.id.String()
		description = "Repository: " + spec.Repository.name
	}
	if spec.NotificationType != "" {
		publisherInputs["notificationType"] = spec.NotificationType
	}
	consumerInputs := map[string]string{
		"url":                    spec.URL,
		"resourceDetailsToSend":  spec.ResourceDetailsToSend,
		"messagesToSend":         "all",
		"detailedMessagesToSend": "all",
	}
	if spec.BasicAuthUser != "" {
		consumerInputs["basicAuthUsername"] = spec.BasicAuthUser
	}
	if spec.BasicAuthPassword != "" {
		consumerInputs["basicAuthPassword"] = maskedSecret
	}
	host := spec.URL
	if u, err := url.Parse(spec.URL); err == nil && u.Host != "" {
		host = u.Hostname()
	}
	creator := org.identityRef(spec.CreatedBy)
	m := servicehooks.Subscription{
		Id:                ptr(sub.id),
		Url:               ptr(org.URL() + "/_apis/hooks/subscriptions/" + sub.id.String()),
		PublisherId:       ptr("tfs"),
		EventType:         ptr(spec.EventType),
		EventDescription:  ptr(description),
		ResourceVersion:   ptr(hookResourceVersion(spec.EventType)),
		ConsumerId:        ptr("webHooks"),
		ConsumerActionId:  ptr("httpRequest"),
		ActionDescription: ptr("To host " + host),
		ProbationRetries:  ptr(byte(spec.ProbationRetries)),
		CreatedBy:         creator,
		CreatedDate:       azTime(sub.created),
		ModifiedBy:        creator,
		ModifiedDate:      azTime(sub.created),
		PublisherInputs:   &publisherInputs,
		ConsumerInputs:    &consumerInputs,
		Links: map[string]link{
			"self":      {org.URL() + "/_apis/hooks/subscriptions/" + sub.id.String()},
			"consumer":  {org.URL() + "/_apis/hooks/consumers/webHooks"},
			"actions":   {org.URL() + "/_apis/hooks/consumers/webHooks/actions"},
			"publisher": {org.URL() + "/_apis/hooks/publishers/tfs"},
		},
	}
	// Azure leaves out the status of an enabled subscription (the enum's
	// default), as its recorded answers show.
	if spec.Status != SubscriptionEnabled {
		m.Status = ptr(servicehooks.SubscriptionStatus(spec.Status))
	}
	if spec.ProbationRetries > 0 {
		m.LastProbationRetryDate = azTime(sub.created)
	}
	return m
}

// matchesEvent reports whether sub would deliver eventType for pr: enabled,
// same event type and project, and no or the same repository. The
// notificationType filter is not evaluated. Requires s.mu.
func (sub *hookSubscription) matchesEvent(eventType string, pr *PullRequest) bool {
	return sub.spec.Status == SubscriptionEnabled &&
		strings.EqualFold(sub.spec.EventType, eventType) &&
		sub.project == pr.repo.project &&
		(sub.spec.Repository == nil || sub.spec.Repository == pr.repo)
}

// listSubscriptions serves GET {org}/_apis/hooks/subscriptions, filtered by
// the publisherId, eventType, consumerId and consumerActionId query
// parameters (compared ignoring case), in creation order. Subscriptions of
// projects on which the caller lacks View Subscriptions are left out, or
// make the whole list 403 (see SetHiddenSubscriptions).
func (c *call) listSubscriptions() (*response, error) {
	q := c.r.URL.Query()
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	out := make([]servicehooks.Subscription, 0, len(c.org.hooks))
	for _, sub := range c.org.hooks {
		m := sub.model()
		if !matchesFilter(q, "publisherId", *m.PublisherId) ||
			!matchesFilter(q, "eventType", *m.EventType) ||
			!matchesFilter(q, "consumerId", *m.ConsumerId) ||
			!matchesFilter(q, "consumerActionId", *m.ConsumerActionId) {
			continue
		}
		if !sub.project.canViewHooks(c.who) {
			if c.org.hiddenHooks == HiddenForbidden {
				return nil, errViewSubscriptions(c.who, sub.project.id.String())
			}
			continue
		}
		out = append(out, m)
	}
	return collectionResponse(out)
}

// matchesFilter reports whether the query parameter name is absent or equal
// to value, ignoring case.
func matchesFilter(q url.Values, name, value string) bool {
	want := q.Get(name)
	return want == "" || strings.EqualFold(want, value)
}

// getSubscription serves GET {org}/_apis/hooks/subscriptions/{subscriptionId}.
func (c *call) getSubscription() (*response, error) {
	id := c.params["subscriptionId"]
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	for _, sub := range c.org.hooks {
		if !strings.EqualFold(sub.id.String(), id) {
			continue
		}
		if !sub.project.canViewHooks(c.who) {
			if c.org.hiddenHooks == HiddenForbidden {
				return nil, errViewSubscriptions(c.who, sub.project.id.String())
			}
			break
		}
		return jsonResponse(http.StatusOK, sub.model())
	}
	return nil, errSubscriptionNotFound(id)
}

// errSubscriptionNotFound guesses the service's 404 for an unknown
// subscription id.
func errSubscriptionNotFound(id string) *apiError {
	const assembly = "Microsoft.VisualStudio.Services.ServiceHooks.WebApi"
	return newAPIError(http.StatusNotFound, assembly, "SubscriptionNotFoundException",
		fmt.Sprintf("Subscription with id '%s' does not exist.", id))
}
