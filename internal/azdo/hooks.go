package azdo

import (
	"context"

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
		sub := Subscription{EventType: deref(s.EventType)}
		if s.Id != nil {
			sub.ID = s.Id.String()
		}
		// Azure leaves out the status of an enabled subscription, the
		// enum's default (recorded in the service-hook examples).
		sub.Status = "enabled"
		if s.Status != nil && *s.Status != "" {
			sub.Status = string(*s.Status)
		}
		if s.ConsumerInputs != nil {
			sub.URL = (*s.ConsumerInputs)["url"]
		}
		if s.PublisherInputs != nil {
			in := *s.PublisherInputs
			sub.ProjectID, sub.RepositoryID, sub.NotificationType = in["projectId"], in["repository"], in["notificationType"]
		}
		out = append(out, sub)
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
