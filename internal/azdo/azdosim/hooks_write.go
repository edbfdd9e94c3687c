package azdosim

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/servicehooks"
)

// createSubscription serves POST {org}/_apis/hooks/subscriptions: a Web
// Hooks subscription (publisher tfs, consumer webHooks, action httpRequest)
// of a project, enabled, from the body's eventType, publisherInputs
// (projectId, repository, notificationType) and consumerInputs (url,
// basicAuthUsername, basicAuthPassword, resourceDetailsToSend).
func (c *call) createSubscription() (*response, error) {
	var in servicehooks.Subscription
	if err := decodeBody(c.r, &in); err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	spec, p, err := c.subscriptionSpec(in)
	if err != nil {
		return nil, err
	}
	spec.Status = SubscriptionEnabled
	sub := &hookSubscription{id: uuid.New(), tfsSubscriptionID: uuid.New(), project: p, spec: spec, created: c.s.now()}
	c.org.hooks = append(c.org.hooks, sub)
	return jsonResponse(http.StatusOK, sub.model())
}

// replaceSubscription serves PUT {org}/_apis/hooks/subscriptions/{id}: the
// subscription's filters and consumer inputs replaced by the body's, and
// its status set to the body's (enabled when the body has none), which is
// how a subscription disabled or on probation is enabled again
// [unverified: whether the service also clears the probation count; here
// it does].
func (c *call) replaceSubscription() (*response, error) {
	var in servicehooks.Subscription
	if err := decodeBody(c.r, &in); err != nil {
		return nil, err
	}
	id := c.params["subscriptionId"]
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	for _, sub := range c.org.hooks {
		if !strings.EqualFold(sub.id.String(), id) {
			continue
		}
		spec, p, err := c.subscriptionSpec(in)
		if err != nil {
			return nil, err
		}
		spec.Status = SubscriptionEnabled
		if in.Status != nil && *in.Status != "" {
			spec.Status = string(*in.Status)
		}
		if spec.BasicAuthPassword == maskedSecret {
			spec.BasicAuthPassword = sub.spec.BasicAuthPassword // sent back masked: kept
		}
		spec.CreatedBy = sub.spec.CreatedBy
		sub.project, sub.spec = p, spec
		return jsonResponse(http.StatusOK, sub.model())
	}
	return nil, errSubscriptionNotFound(id)
}

// subscriptionSpec checks a subscription body and reads its spec, with the
// caller as its creator. Requires s.mu.
func (c *call) subscriptionSpec(in servicehooks.Subscription) (SubscriptionSpec, *Project, error) {
	bad := func(msg string) (SubscriptionSpec, *Project, error) {
		return SubscriptionSpec{}, nil, errBadRequest("%s", msg)
	}
	if !strings.EqualFold(deref(in.PublisherId), "tfs") || !strings.EqualFold(deref(in.ConsumerId), "webHooks") ||
		!strings.EqualFold(deref(in.ConsumerActionId), "httpRequest") {
		return bad("The simulator serves Web Hooks subscriptions only: publisherId tfs, consumerId webHooks, consumerActionId httpRequest.")
	}
	if deref(in.EventType) == "" || in.PublisherInputs == nil || in.ConsumerInputs == nil {
		return bad("A subscription needs an eventType, publisherInputs and consumerInputs.")
	}
	pub, cons := *in.PublisherInputs, *in.ConsumerInputs
	p := c.org.findProject(pub["projectId"])
	if p == nil {
		return SubscriptionSpec{}, nil, errProjectNotFound(pub["projectId"])
	}
	spec := SubscriptionSpec{
		EventType: deref(in.EventType), URL: cons["url"], NotificationType: pub["notificationType"],
		BasicAuthUser: cons["basicAuthUsername"], BasicAuthPassword: cons["basicAuthPassword"],
		ResourceDetailsToSend: cons["resourceDetailsToSend"], CreatedBy: c.who,
	}
	if spec.URL == "" {
		return bad("The consumer input 'url' is required.")
	}
	if spec.ResourceDetailsToSend == "" {
		spec.ResourceDetailsToSend = "all"
	}
	if r := pub["repository"]; r != "" {
		if spec.Repository = p.findRepo(r); spec.Repository == nil {
			return bad("The repository '" + r + "' is not in project '" + p.name + "'.")
		}
	}
	return spec, p, nil
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
