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
//
// [ParseEnvelope] reads the resource with the envelope, in the same pass:
// [Envelope.PullRequest] and [Envelope.Comment] return it as either kind of
// event's resource without decoding it again.
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

	// decoded is set when the envelope was read in one pass: the resource
	// as both kinds of event's. Otherwise the views decode Resource.
	decoded *resourceViews
}

// resourceViews is the resource as a pull-request event's and as a comment
// event's: the one JSON object read both ways.
type resourceViews struct {
	pullRequest PullRequestResource
	comment     CommentResource
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
	PullRequestID         int         `json:"pullRequestId"`
	Status                string      `json:"status"`
	IsDraft               bool        `json:"isDraft"`
	Title                 string      `json:"title"`
	SourceRefName         string      `json:"sourceRefName"`
	TargetRefName         string      `json:"targetRefName"`
	LastMergeSourceCommit *commitRef  `json:"lastMergeSourceCommit"`
	LastMergeTargetCommit *commitRef  `json:"lastMergeTargetCommit"`
	Repository            *Repository `json:"repository"`
	URL                   string      `json:"url"`
}

// Repository is a pull request's repository. (The aliases of unnamed
// struct types keep encoding/json's error messages as they were.)
type Repository = struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	Project *Project `json:"project"`
}

// Project is a repository's project.
type Project = struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type commitRef struct {
	CommitID string `json:"commitId"`
}

// CommentResource is the resource of ms.vss-code.git-pullrequest-comment-event.
type CommentResource struct {
	Comment     *Comment             `json:"comment"`
	PullRequest *PullRequestResource `json:"pullRequest"`
}

// Comment is the comment of a comment event.
type Comment = struct {
	ID                     int           `json:"id"`
	ParentCommentID        int           `json:"parentCommentId"`
	Content                string        `json:"content"`
	CommentType            string        `json:"commentType"`
	PublishedDate          time.Time     `json:"publishedDate"`
	LastContentUpdatedDate time.Time     `json:"lastContentUpdatedDate"`
	Author                 *Author       `json:"author"`
	Links                  *CommentLinks `json:"_links"`
}

// Author is a comment's author.
type Author = struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	UniqueName  string `json:"uniqueName"`
}

// CommentLinks are a comment's links; the thread's is the only one read.
type CommentLinks = struct {
	Threads *Link `json:"threads"`
}

// Link is one of a resource's links.
type Link = struct {
	Href string `json:"href"`
}

// ParseEnvelope decodes a service-hook body and checks the fields every
// event needs. The error is a *PayloadError that names the problem.
//
// A body in the shape Azure DevOps sends is read in one pass, envelope and
// resource together. Any other — not JSON, a field of the wrong type, a
// duplicate or differently cased name among the fields read, an escape in
// a name, nesting deeper than [maxOnePassDepth] — is decoded by
// encoding/json, in two steps as a resource's kind is known only from the
// envelope, so every body has the answer and the error text encoding/json
// gives it. The envelope's Resource may share body's memory: body must not
// change while the envelope is used.
func ParseEnvelope(body []byte) (*Envelope, error) {
	env, ok := decodeOnePass(body)
	if !ok {
		var err error
		if env, err = decodeEnvelope(body); err != nil {
			return nil, err
		}
	}
	switch {
	case env.EventType == "":
		return nil, &PayloadError{Field: "eventType", Reason: "missing"}
	case env.ID == "":
		return nil, &PayloadError{Field: "id", Reason: "missing"}
	case len(env.Resource) == 0 || string(env.Resource) == "null":
		return nil, &PayloadError{Field: "resource", Reason: "missing"}
	}
	return env, nil
}

// decodeEnvelope is encoding/json's decoding of the envelope, the resource
// kept raw for [Envelope.PullRequest] and [Envelope.Comment].
func decodeEnvelope(body []byte) (*Envelope, error) {
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, &PayloadError{Field: "", Reason: "body is not a JSON service-hook envelope: " + err.Error()}
	}
	return &env, nil
}

// PullRequest is the resource as a pull-request event's. The error is a
// *PayloadError: the resource is not a pull-request resource.
func (e *Envelope) PullRequest() (*PullRequestResource, error) {
	if e.decoded != nil {
		return &e.decoded.pullRequest, nil
	}
	pr := new(PullRequestResource)
	if err := json.Unmarshal(e.Resource, pr); err != nil {
		return nil, &PayloadError{Field: "resource", Reason: "not a pull-request resource: " + err.Error()}
	}
	return pr, nil
}

// Comment is the resource as a comment event's. The error is a
// *PayloadError: the resource is not a pull-request comment resource.
func (e *Envelope) Comment() (*CommentResource, error) {
	if e.decoded != nil {
		return &e.decoded.comment, nil
	}
	res := new(CommentResource)
	if err := json.Unmarshal(e.Resource, res); err != nil {
		return nil, &PayloadError{Field: "resource", Reason: "not a pull-request comment resource: " + err.Error()}
	}
	return res, nil
}
