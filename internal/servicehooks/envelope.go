package servicehooks

import (
	"bytes"
	"encoding/json"
	"time"

	gojson "github.com/goccy/go-json"
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
// [ParseEnvelope] reads the resource with the envelope, in the same
// decoding: [Envelope.PullRequest] and [Envelope.Comment] return it as
// either kind of event's resource without decoding it again.
type Envelope struct {
	SubscriptionID string `json:"subscriptionId"`
	NotificationID int64  `json:"notificationId"`
	ID             string `json:"id"`
	EventType      string `json:"eventType"`
	PublisherID    string `json:"publisherId"`
	Message        *Text  `json:"message"`
	// Resource is the resource as sent, set only when the body could not
	// be read in one decoding (see [ParseEnvelope]); [Envelope.PullRequest]
	// and [Envelope.Comment] read the resource either way.
	Resource           json.RawMessage      `json:"resource"`
	ResourceVersion    string               `json:"resourceVersion"`
	ResourceContainers map[string]Container `json:"resourceContainers"`
	CreatedDate        string               `json:"createdDate"`

	// decoded is the resource read with the envelope; nil when the body
	// was decoded in two steps, and then the views decode Resource.
	decoded *resource
}

// delivery is a body read in one decoding: the envelope, and its resource
// as both kinds of event's (Resource here hides Envelope.Resource).
type delivery struct {
	Envelope
	Resource *resource `json:"resource"`
}

// resource is a resource read as a pull-request event's and as a comment
// event's at once: the fields of both, which no name shares (not even
// ignoring case), so each view is what decoding the resource as that kind
// alone gives.
type resource struct {
	PullRequestResource
	Comment     *Comment             `json:"comment"`
	PullRequest *PullRequestResource `json:"pullRequest"`
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
// The body is decoded once, envelope and resource together, the resource
// as both kinds of event's. When that fails (not JSON, a field of the wrong
// type in either kind's fields), or the body might name the resource more
// than once, it is decoded as before: by encoding/json in two steps, the
// resource by its kind once the envelope says it, so every body has the
// answer and the error text those two steps give it.
func ParseEnvelope(body []byte) (*Envelope, error) {
	env, ok := decodeOnce(body)
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
	case env.decoded == nil && (len(env.Resource) == 0 || string(env.Resource) == "null"):
		return nil, &PayloadError{Field: "resource", Reason: "missing"}
	}
	return env, nil
}

// decodeOnce decodes body once, envelope and resource together, with
// goccy/go-json, which reads a body as encoding/json does (the same
// grammar, names matched ignoring case, a repeated name merged, invalid
// UTF-8 replaced, the same refusals of a value of the wrong type) at a
// fraction of its cost. It declines (false) a body it refuses, one without
// a resource or with a null one, and one it might read otherwise than the
// two steps (see [namesResourceOnce]).
func decodeOnce(body []byte) (*Envelope, bool) {
	if !namesResourceOnce(body) {
		return nil, false
	}
	var d delivery
	if err := gojson.Unmarshal(body, &d); err != nil || d.Resource == nil {
		return nil, false
	}
	d.decoded = d.Resource
	return &d.Envelope, true
}

// namesResourceOnce says whether body names a field "resource" at most
// once, at any depth, as far as a look at its bytes can tell. The one
// decoding reads a repeated resource into the same struct, merging the
// two, where the two steps keep the last one only. A name encoding/json
// takes for "resource" is those eight letters in any case between quotes,
// or one spelt with a \u escape or with a long s (ſ, which folds to s); a
// body with either of those anywhere is left to the two steps.
func namesResourceOnce(body []byte) bool {
	if bytes.Contains(body, []byte(`\u`)) || bytes.Contains(body, []byte("ſ")) {
		return false
	}
	seen := false
	for i := bytes.IndexByte(body, '"'); i >= 0 && i+9 < len(body); {
		if body[i+9] == '"' && bytes.EqualFold(body[i+1:i+9], []byte("resource")) {
			if seen {
				return false
			}
			seen = true
		}
		j := bytes.IndexByte(body[i+1:], '"')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
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
		return &e.decoded.PullRequestResource, nil
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
		return &CommentResource{Comment: e.decoded.Comment, PullRequest: e.decoded.PullRequest}, nil
	}
	res := new(CommentResource)
	if err := json.Unmarshal(e.Resource, res); err != nil {
		return nil, &PayloadError{Field: "resource", Reason: "not a pull-request comment resource: " + err.Error()}
	}
	return res, nil
}
