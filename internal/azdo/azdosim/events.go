package azdosim

import (
	"fmt"
	"html"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// Service-hook event types that PullRequest.Event produces.
const (
	EventPullRequestCreated = "git.pullrequest.created"
	EventPullRequestUpdated = "git.pullrequest.updated"
)

// subscription stands in for the service-hook subscription of one event
// type in an organization: a stable id and a notification counter.
type subscription struct {
	id            uuid.UUID
	notifications int
}

// eventMessage is the message/detailedMessage of an event.
type eventMessage struct {
	Text     string `json:"text"`
	HTML     string `json:"html"`
	Markdown string `json:"markdown"`
}

// resourceContainer identifies the collection, account or project of an
// event.
type resourceContainer struct {
	ID      string `json:"id"`
	BaseURL string `json:"baseUrl"`
}

type resourceContainers struct {
	Collection resourceContainer `json:"collection"`
	Account    resourceContainer `json:"account"`
	Project    resourceContainer `json:"project"`
}

// serviceHookEvent is the envelope Azure DevOps POSTs to a web hook, with the
// subscriptionId and notificationId of real deliveries.
type serviceHookEvent struct {
	SubscriptionID     string             `json:"subscriptionId"`
	NotificationID     int                `json:"notificationId"`
	ID                 string             `json:"id"`
	EventType          string             `json:"eventType"`
	PublisherID        string             `json:"publisherId"`
	Message            eventMessage       `json:"message"`
	DetailedMessage    eventMessage       `json:"detailedMessage"`
	Resource           git.GitPullRequest `json:"resource"`
	ResourceVersion    string             `json:"resourceVersion"`
	ResourceContainers resourceContainers `json:"resourceContainers"`
	CreatedDate        string             `json:"createdDate"`
}

// eventTimeFormat is the service's timestamp format: 7 fractional digits.
const eventTimeFormat = "2006-01-02T15:04:05.0000000Z07:00"

// Event returns the service-hook envelope Azure DevOps would POST for this
// pull request's current state: eventType EventPullRequestCreated or
// EventPullRequestUpdated (anything else panics), publisherId "tfs", a
// localised-style message and detailedMessage, the pull request as resource
// (resourceVersion "1.0"), resourceContainers whose baseUrl is the
// organization URL with a trailing slash, createdDate, and the
// subscriptionId and notificationId (counting up per subscription) of real
// deliveries: the first enabled subscription of the pull request's project
// added with AddSubscription whose event type and repository match, else a
// synthetic one, stable per organization and event type. The
// update message describes the latest Push or SetStatus.
func (pr *PullRequest) Event(eventType string) []byte {
	if eventType != EventPullRequestCreated && eventType != EventPullRequestUpdated {
		panic(fmt.Sprintf("azdosim: unsupported event type %q", eventType))
	}
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	org := pr.repo.project.org
	subID, notificationID := org.deliveringSubscription(eventType, pr)

	text := pr.eventText(eventType)
	detail := fmt.Sprintf("%s\r\n\r\n- Merge status: Succeeded\r\n", text)
	base := org.URL() + "/"
	accountBase := base
	if s.virtualDirectory() != "" {
		accountBase = s.rootURL() // Server: the account is the server, the collection the organization
	}
	ev := serviceHookEvent{
		SubscriptionID: subID,
		NotificationID: notificationID,
		ID:             uuid.NewString(),
		EventType:      eventType,
		PublisherID:    "tfs",
		Message:        eventMessage{Text: text, HTML: html.EscapeString(text), Markdown: text},
		DetailedMessage: eventMessage{
			Text:     detail,
			HTML:     html.EscapeString(text) + "\r\n<ul>\r\n<li>Merge status: Succeeded</li>\r\n</ul>",
			Markdown: fmt.Sprintf("%s\r\n\r\n+ Merge status: Succeeded\r\n", text),
		},
		Resource:        pr.model(),
		ResourceVersion: "1.0",
		ResourceContainers: resourceContainers{
			Collection: resourceContainer{ID: org.collectionID.String(), BaseURL: base},
			Account:    resourceContainer{ID: org.id.String(), BaseURL: accountBase},
			Project:    resourceContainer{ID: pr.repo.project.id.String(), BaseURL: base},
		},
		CreatedDate: s.now().Format(eventTimeFormat),
	}
	body, err := marshal(ev)
	if err != nil {
		panic(fmt.Sprintf("azdosim: marshal event: %v", err))
	}
	return body
}

// deliveringSubscription returns the subscription id and the next
// notification id of a delivery of eventType for pr: those of the first
// enabled subscription added with AddSubscription that matches, else of a
// synthetic subscription per organization and event type. Requires s.mu.
func (o *Org) deliveringSubscription(eventType string, pr *PullRequest) (string, int) {
	for _, hook := range o.hooks {
		if hook.matchesEvent(eventType, pr) {
			hook.notifications++
			return hook.id.String(), hook.notifications
		}
	}
	sub := o.subscriptions[eventType]
	if sub == nil {
		sub = &subscription{id: uuid.New()}
		o.subscriptions[eventType] = sub
	}
	sub.notifications++
	return sub.id.String(), sub.notifications
}

// eventText is the message text of an event, in the service's English
// wording. Requires s.mu.
func (pr *PullRequest) eventText(eventType string) string {
	who := pr.createdBy.DisplayName
	ref := fmt.Sprintf("pull request %d (%s) in %s", pr.id, pr.title, pr.repo.name)
	if eventType == EventPullRequestCreated {
		return who + " created a new pull request"
	}
	switch pr.lastUpdate {
	case "push":
		return fmt.Sprintf("%s updated the source branch of %s", who, ref)
	case "status":
		if pr.status == StatusActive {
			return fmt.Sprintf("%s reactivated %s", who, ref)
		}
		return fmt.Sprintf("%s marked the pull request as %s", who, pr.status)
	}
	return fmt.Sprintf("%s updated %s", who, ref)
}
