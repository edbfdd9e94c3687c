package events

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the version of [ReviewRequest] this code writes. A worker
// refuses (terminates) messages of a newer version instead of misreading them.
const SchemaVersion = 1

// Trigger says why a review was requested.
type Trigger string

// Triggers.
const (
	TriggerCreated Trigger = "created"
	TriggerUpdated Trigger = "updated"
	TriggerComment Trigger = "comment"
	// TriggerSweep is a worker's recovery sweep: an active pull request
	// whose head commit was never reviewed, its webhook lost.
	TriggerSweep Trigger = "sweep"
)

// ReviewRequest is the message ingest publishes and workers consume: which
// pull request to review and why. It carries identifiers, not content; the
// worker reads the pull request from Azure DevOps with its own credentials.
type ReviewRequest struct {
	Version        int       `json:"version"`
	Trigger        Trigger   `json:"trigger"`
	EventID        string    `json:"event_id"`
	EventType      string    `json:"event_type"`
	SubscriptionID string    `json:"subscription_id,omitempty"`
	NotificationID int64     `json:"notification_id,omitempty"`
	ReceivedAt     time.Time `json:"received_at"`

	// OrgURL is the organisation named by the payload, normalised. It only
	// selects among configured organisations.
	OrgURL         string `json:"org_url,omitempty"`
	ProjectID      string `json:"project_id"`
	ProjectName    string `json:"project_name,omitempty"`
	RepositoryID   string `json:"repository_id"`
	RepositoryName string `json:"repository_name,omitempty"`
	PullRequestID  int    `json:"pull_request_id"`
	SourceCommit   string `json:"source_commit,omitempty"`
	TargetCommit   string `json:"target_commit,omitempty"`

	// Comment is set for TriggerComment.
	Comment *CommentRef `json:"comment,omitempty"`
}

// CommentRef identifies the comment that triggered a request.
type CommentRef struct {
	ThreadID  int    `json:"thread_id,omitempty"`
	CommentID int    `json:"comment_id"`
	AuthorID  string `json:"author_id,omitempty"`
	// Content is the comment's text, cut to [MaxCommentBytes].
	Content string `json:"content"`
	// Truncated is true when Content was cut.
	Truncated bool `json:"truncated,omitempty"`
	Edited    bool `json:"edited,omitempty"`
}

// Subject is the NATS subject the request is published on:
// azreviewer.review.<repositoryId>.<pullRequestId>.
func (r *ReviewRequest) Subject() string {
	return SubjectPrefix + token(r.RepositoryID) + "." + strconv.Itoa(r.PullRequestID)
}

// MsgID is the JetStream de-duplication id (Nats-Msg-Id). Pull-request events
// for the same source commit share it, so Azure's retries, overlapping
// subscriptions and a created/updated pair for one push collapse into one
// message inside the stream's duplicate window. Comment events are keyed by
// the comment and its last edit.
func (r *ReviewRequest) MsgID() string {
	base := "pr:" + r.RepositoryID + ":" + strconv.Itoa(r.PullRequestID)
	if r.Comment != nil {
		return base + ":comment:" + strconv.Itoa(r.Comment.ThreadID) + ":" + strconv.Itoa(r.Comment.CommentID) + ":" + r.EventID
	}
	if r.SourceCommit != "" {
		return base + "@" + r.SourceCommit
	}
	return base + ":event:" + r.EventID
}

// Marshal encodes the request as the message body.
func (r *ReviewRequest) Marshal() ([]byte, error) { return json.Marshal(r) }

// UnmarshalRequest decodes a message body. A body that cannot be decoded, or
// one written by a newer schema, is a permanent error: retrying cannot help.
func UnmarshalRequest(data []byte) (*ReviewRequest, error) {
	var r ReviewRequest
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, Permanent(fmt.Errorf("decode review request: %w", err))
	}
	if r.Version > SchemaVersion {
		return nil, Permanent(fmt.Errorf("review request schema version %d is newer than this worker understands (%d)", r.Version, SchemaVersion))
	}
	if err := r.Validate(); err != nil {
		return nil, Permanent(err)
	}
	return &r, nil
}

// Validate checks the fields that become a subject token, a key-value key
// ([ReviewRequest.Subject], [PullRequestKey]) or a URL path segment (the
// project id). The error is an *InvalidRequestError.
func (r *ReviewRequest) Validate() error {
	switch {
	case !ValidID(r.RepositoryID):
		return &InvalidRequestError{Field: "repository_id", Reason: "missing or not an id"}
	case r.PullRequestID <= 0:
		return &InvalidRequestError{Field: "pull_request_id", Reason: "missing or not a positive number"}
	case r.ProjectID != "" && !ValidID(r.ProjectID):
		return &InvalidRequestError{Field: "project_id", Reason: "not an id"}
	}
	return nil
}

// Decision is what ingest does with an envelope: publish Request, or
// acknowledge and ignore it for Reason.
type Decision struct {
	Request *ReviewRequest
	// Ignored is a short, stable reason code for metrics ("event_type",
	// "pull_request_not_active", "system_comment"); empty when Request is set.
	Ignored string
	// Reason says in words why the event is ignored.
	Reason string
}

// Decide turns a parsed envelope into a review request, or explains why it is
// ignored. Authenticated events that azreviewer does not act on are ignored,
// not rejected: Azure DevOps puts a subscription on probation after
// non-transient failures. A malformed resource of an event type we handle is
// a *PayloadError.
func Decide(env *Envelope, now time.Time) (Decision, error) {
	var trigger Trigger
	switch env.EventType {
	case EventPullRequestCreated:
		trigger = TriggerCreated
	case EventPullRequestUpdated:
		trigger = TriggerUpdated
	case EventPullRequestComment:
		trigger = TriggerComment
	default:
		return Decision{Ignored: "event_type", Reason: fmt.Sprintf("event type %.64q does not trigger a review", env.EventType)}, nil
	}

	var pr *PullRequestResource
	var comment *CommentRef
	if trigger == TriggerComment {
		var res CommentResource
		if err := json.Unmarshal(env.Resource, &res); err != nil {
			return Decision{}, &PayloadError{Field: "resource", Reason: "not a pull-request comment resource: " + err.Error()}
		}
		if res.Comment == nil {
			return Decision{}, &PayloadError{Field: "resource.comment", Reason: "missing"}
		}
		if res.PullRequest == nil {
			return Decision{}, &PayloadError{Field: "resource.pullRequest", Reason: "missing"}
		}
		if res.Comment.CommentType == "system" {
			return Decision{Ignored: "system_comment", Reason: "system comments do not trigger a review"}, nil
		}
		pr = res.PullRequest
		content, truncated := capComment(res.Comment.Content)
		comment = &CommentRef{
			CommentID: res.Comment.ID,
			Content:   content,
			Truncated: truncated,
			Edited:    res.Comment.LastContentUpdatedDate.After(res.Comment.PublishedDate),
		}
		if res.Comment.Author != nil && res.Comment.Author.ID != "" {
			if !ValidID(res.Comment.Author.ID) {
				return Decision{}, &PayloadError{Field: "resource.comment.author.id", Reason: notAnID}
			}
			comment.AuthorID = res.Comment.Author.ID
		}
		if res.Comment.Links != nil && res.Comment.Links.Threads != nil {
			comment.ThreadID = threadIDFromHref(res.Comment.Links.Threads.Href)
		}
	} else {
		pr = new(PullRequestResource)
		if err := json.Unmarshal(env.Resource, pr); err != nil {
			return Decision{}, &PayloadError{Field: "resource", Reason: "not a pull-request resource: " + err.Error()}
		}
	}
	prefix := "resource"
	if trigger == TriggerComment {
		prefix = "resource.pullRequest"
	}
	if err := validatePullRequest(pr, prefix); err != nil {
		return Decision{}, err
	}
	if pr.Status != "" && pr.Status != "active" {
		return Decision{Ignored: "pull_request_not_active", Reason: fmt.Sprintf("pull request %d is %s", pr.PullRequestID, pr.Status)}, nil
	}
	if err := validateDelivery(env, pr, prefix); err != nil {
		return Decision{}, err
	}

	orgURL := env.OrgURL(pr)
	if len(orgURL) > MaxOrgURLBytes {
		return Decision{}, &PayloadError{Field: "resourceContainers", Reason: fmt.Sprintf("the organisation URL is longer than %d bytes", MaxOrgURLBytes)}
	}
	req := &ReviewRequest{
		Version:        SchemaVersion,
		Trigger:        trigger,
		EventID:        env.ID,
		EventType:      env.EventType,
		SubscriptionID: env.SubscriptionID,
		NotificationID: env.NotificationID,
		ReceivedAt:     now.UTC(),
		OrgURL:         orgURL,
		ProjectID:      pr.Repository.Project.ID,
		ProjectName:    clipName(pr.Repository.Project.Name),
		RepositoryID:   pr.Repository.ID,
		RepositoryName: clipName(pr.Repository.Name),
		PullRequestID:  pr.PullRequestID,
		Comment:        comment,
	}
	if pr.LastMergeSourceCommit != nil {
		req.SourceCommit = pr.LastMergeSourceCommit.CommitID
	}
	if pr.LastMergeTargetCommit != nil {
		req.TargetCommit = pr.LastMergeTargetCommit.CommitID
	}
	return Decision{Request: req}, nil
}

// notAnID is the reason given for an id of the wrong shape.
const notAnID = "missing or not an Azure DevOps id (1 to 64 letters, digits, '-' or '_')"

// validatePullRequest checks what a review request takes from the pull
// request: its id, repository id and project id become subject tokens,
// key-value keys and URL path segments. Anything published must be usable
// there, so nothing answered 202 can fail later for its shape.
func validatePullRequest(pr *PullRequestResource, prefix string) error {
	switch {
	case pr.PullRequestID <= 0:
		return &PayloadError{Field: prefix + ".pullRequestId", Reason: "missing or not a positive number"}
	case pr.Repository == nil:
		return &PayloadError{Field: prefix + ".repository", Reason: "missing"}
	case !ValidID(pr.Repository.ID):
		return &PayloadError{Field: prefix + ".repository.id", Reason: notAnID}
	case pr.Repository.Project == nil || pr.Repository.Project.ID == "":
		return &PayloadError{Field: prefix + ".repository.project.id", Reason: "missing"}
	case !ValidID(pr.Repository.Project.ID):
		return &PayloadError{Field: prefix + ".repository.project.id", Reason: notAnID}
	}
	return nil
}

// validateDelivery checks the other ids a review request carries, once the
// event is known to be published: the event id and the source commit are
// part of the de-duplication id.
func validateDelivery(env *Envelope, pr *PullRequestResource, prefix string) error {
	switch {
	case pr.LastMergeSourceCommit != nil && pr.LastMergeSourceCommit.CommitID != "" && !validCommit(pr.LastMergeSourceCommit.CommitID):
		return &PayloadError{Field: prefix + ".lastMergeSourceCommit.commitId", Reason: "not a commit id (40 or 64 hexadecimal digits)"}
	case pr.LastMergeTargetCommit != nil && pr.LastMergeTargetCommit.CommitID != "" && !validCommit(pr.LastMergeTargetCommit.CommitID):
		return &PayloadError{Field: prefix + ".lastMergeTargetCommit.commitId", Reason: "not a commit id (40 or 64 hexadecimal digits)"}
	case !ValidID(env.ID):
		return &PayloadError{Field: "id", Reason: notAnID}
	case env.SubscriptionID != "" && !ValidID(env.SubscriptionID):
		return &PayloadError{Field: "subscriptionId", Reason: notAnID}
	}
	return nil
}

var threadHref = regexp.MustCompile(`/threads/(\d+)(?:/|$)`)

// threadIDFromHref reads the thread id from comment._links.threads.href; the
// comment resource has no thread id field of its own.
func threadIDFromHref(href string) int {
	m := threadHref.FindStringSubmatch(href)
	if m == nil {
		return 0
	}
	id, _ := strconv.Atoi(m[1])
	return id
}

func token(s string) string { return strings.ToLower(s) }
