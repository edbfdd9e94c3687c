package azdo

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/servicehooks"
)

// Subscription is a service-hook subscription, as far as azreviewer cares.
type Subscription struct {
	ID        string
	EventType string
	// URL is where Azure DevOps delivers.
	URL string
	// Status: enabled, onProbation, disabledByUser, disabledBySystem,
	// disabledByInactiveIdentity.
	Status string
	// ProjectID and RepositoryID filter the events; empty means any.
	ProjectID    string
	RepositoryID string
	// NotificationType filters git.pullrequest.updated, e.g. PushNotification.
	NotificationType string
	// BasicAuthUser is the delivery's basic-authentication user ("" for
	// none); ResourceDetails what the payload carries ("all", "minimal",
	// "none").
	BasicAuthUser, ResourceDetails string
}

// WebhookSubscriptions lists the organisation's Web Hooks subscriptions of
// the tfs publisher. One call; Azure DevOps bills it against the rate limit,
// so it is meant for doctor, not for every review.
func (c *Client) WebhookSubscriptions(ctx context.Context) ([]Subscription, error) {
	publisher, consumer, action := "tfs", "webHooks", "httpRequest"
	subs, err := c.hooks.ListSubscriptions(ctx, servicehooks.ListSubscriptionsArgs{
		PublisherId: &publisher, ConsumerId: &consumer, ConsumerActionId: &action,
	})
	if err != nil {
		return nil, wrap("list service-hook subscriptions", err)
	}
	out := make([]Subscription, 0, len(*subs))
	for _, s := range *subs {
		out = append(out, toSubscription(s))
	}
	return out, nil
}

// toSubscription reads what azreviewer cares about of a subscription.
func toSubscription(s servicehooks.Subscription) Subscription {
	sub := Subscription{EventType: val(s.EventType)}
	if s.Id != nil {
		sub.ID = s.Id.String()
	}
	// Azure leaves out the status of an enabled subscription, the enum's
	// default (recorded in the service-hook examples).
	sub.Status = "enabled"
	if s.Status != nil && *s.Status != "" {
		sub.Status = string(*s.Status)
	}
	if s.ConsumerInputs != nil {
		sub.URL = (*s.ConsumerInputs)["url"]
		sub.BasicAuthUser = (*s.ConsumerInputs)["basicAuthUsername"]
		sub.ResourceDetails = (*s.ConsumerInputs)["resourceDetailsToSend"]
	}
	if s.PublisherInputs != nil {
		in := *s.PublisherInputs
		sub.ProjectID, sub.RepositoryID, sub.NotificationType = in["projectId"], in["repository"], in["notificationType"]
	}
	return sub
}

// WebhookSpec is a Web Hooks subscription to create or replace.
type WebhookSpec struct {
	EventType string
	// ProjectID is required; RepositoryID filters to one repository.
	ProjectID, RepositoryID string
	// NotificationType filters git.pullrequest.updated, e.g.
	// "PushNotification".
	NotificationType string
	// URL is where Azure DevOps delivers, token query parameter included.
	URL string
	// BasicAuthUser and BasicAuthPassword, when set, are sent as the
	// delivery's basic authentication.
	BasicAuthUser, BasicAuthPassword string
	// Enabled asks for the subscription to be enabled (a replace of a
	// disabled or probation one); a create is always enabled.
	Enabled bool
}

// subscription renders spec as the service hooks API takes it, with every
// resource detail sent.
func (spec WebhookSpec) subscription() servicehooks.Subscription {
	publisher, consumer, action := "tfs", "webHooks", "httpRequest"
	pub := map[string]string{"projectId": spec.ProjectID}
	if spec.RepositoryID != "" {
		pub["repository"] = spec.RepositoryID
	}
	if spec.NotificationType != "" {
		pub["notificationType"] = spec.NotificationType
	}
	cons := map[string]string{"url": spec.URL, "resourceDetailsToSend": "all", "messagesToSend": "none", "detailedMessagesToSend": "none"}
	if spec.BasicAuthUser != "" {
		cons["basicAuthUsername"], cons["basicAuthPassword"] = spec.BasicAuthUser, spec.BasicAuthPassword
	}
	eventType := spec.EventType
	s := servicehooks.Subscription{PublisherId: &publisher, ConsumerId: &consumer, ConsumerActionId: &action,
		EventType: &eventType, PublisherInputs: &pub, ConsumerInputs: &cons}
	if spec.Enabled {
		enabled := servicehooks.SubscriptionStatusValues.Enabled
		s.Status = &enabled
	}
	return s
}

// CreateWebhookSubscription creates a Web Hooks subscription.
func (c *Client) CreateWebhookSubscription(ctx context.Context, spec WebhookSpec) (Subscription, error) {
	in := spec.subscription()
	out, err := c.hooks.CreateSubscription(ctx, servicehooks.CreateSubscriptionArgs{Subscription: &in})
	if err != nil {
		return Subscription{}, wrap("create service-hook subscription", err)
	}
	return toSubscription(*out), nil
}

// ReplaceWebhookSubscription replaces the subscription id with spec.
func (c *Client) ReplaceWebhookSubscription(ctx context.Context, id string, spec WebhookSpec) (Subscription, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return Subscription{}, fmt.Errorf("subscription id %q: %w", id, err)
	}
	in := spec.subscription()
	out, err := c.hooks.ReplaceSubscription(ctx, servicehooks.ReplaceSubscriptionArgs{Subscription: &in, SubscriptionId: &uid})
	if err != nil {
		return Subscription{}, wrap("replace service-hook subscription", err)
	}
	return toSubscription(*out), nil
}
