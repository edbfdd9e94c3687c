package servicehooks

import (
	"encoding/json"
	"time"
)

// Event types azreviewer reviews on.
const (
	EventPullRequestCreated = "git.pullrequest.created"
	EventPullRequestUpdated = "git.pullrequest.updated"
	EventPullRequestComment = "ms.vss-code.git-pullrequest-comment-event"
)

// Envelope is an Azure DevOps service-hook delivery. The SDK's
// servicehooks.Event lacks the delivery fields (subscriptionId,
// notificationId), so this type is our own.
type Envelope struct {
	SubscriptionID     string               `json:"subscriptionId"`
	NotificationID     int64                `json:"notificationId"`
	ID                 string               `json:"id"`
	EventType          string               `json:"eventType"`
	PublisherID        string               `json:"publisherId"`
	Message            *Text                `json:"message"`
	Resource           json.RawMessage      `json:"resource"`
	ResourceVersion    string               `json:"resourceVersion"`
	ResourceContainers map[string]Container `json:"resourceContainers"`
	CreatedDate        string               `json:"createdDate"`
}

// Text is the user-facing, localised message of an event.
type Text struct {
	Text string `json:"text"`
}

// Container is one of the envelope's resource containers (collection,
// account, project).
type Container struct {
	ID      string `json:"id"`
	BaseURL string `json:"baseUrl"`
}

// PullRequestResource is the resource of pull-request events, and the
// pullRequest part of comment events.
type PullRequestResource struct {
	PullRequestID         int        `json:"pullRequestId"`
	Status                string     `json:"status"`
	IsDraft               bool       `json:"isDraft"`
	Title                 string     `json:"title"`
	SourceRefName         string     `json:"sourceRefName"`
	TargetRefName         string     `json:"targetRefName"`
	LastMergeSourceCommit *commitRef `json:"lastMergeSourceCommit"`
	LastMergeTargetCommit *commitRef `json:"lastMergeTargetCommit"`
	Repository            *struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		URL     string `json:"url"`
		Project *struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"project"`
	} `json:"repository"`
	URL string `json:"url"`
}

type commitRef struct {
	CommitID string `json:"commitId"`
}

// CommentResource is the resource of ms.vss-code.git-pullrequest-comment-event.
type CommentResource struct {
	Comment *struct {
		ID                     int       `json:"id"`
		ParentCommentID        int       `json:"parentCommentId"`
		Content                string    `json:"content"`
		CommentType            string    `json:"commentType"`
		PublishedDate          time.Time `json:"publishedDate"`
		LastContentUpdatedDate time.Time `json:"lastContentUpdatedDate"`
		Author                 *struct {
			ID          string `json:"id"`
			DisplayName string `json:"displayName"`
			UniqueName  string `json:"uniqueName"`
		} `json:"author"`
		Links *struct {
			Threads *struct {
				Href string `json:"href"`
			} `json:"threads"`
		} `json:"_links"`
	} `json:"comment"`
	PullRequest *PullRequestResource `json:"pullRequest"`
}

// ParseEnvelope decodes a service-hook body and checks the fields every
// event needs. The error is a *PayloadError that names the problem.
func ParseEnvelope(body []byte) (*Envelope, error) {
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, &PayloadError{Field: "", Reason: "body is not a JSON service-hook envelope: " + err.Error()}
	}
	switch {
	case env.EventType == "":
		return nil, &PayloadError{Field: "eventType", Reason: "missing"}
	case env.ID == "":
		return nil, &PayloadError{Field: "id", Reason: "missing"}
	case len(env.Resource) == 0 || string(env.Resource) == "null":
		return nil, &PayloadError{Field: "resource", Reason: "missing"}
	}
	return &env, nil
}
