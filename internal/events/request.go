package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
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

	// Delivery is where the request's message sits in its stream, set by
	// the consumer from the message's metadata (nil: the request did not
	// come from a stream). It is not part of the message.
	Delivery *streams.Delivery `json:"-"`
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

// Subject is the NATS subject the request is published on in fleet n:
// <fleet>.review.<repositoryId>.<pullRequestId>.
func (r *ReviewRequest) Subject(n fleet.Names) string {
	return n.ReviewSubjectPrefix() + token(r.RepositoryID) + "." + strconv.Itoa(r.PullRequestID)
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
// ([ReviewRequest.Subject], the coordination key) or a URL path segment (the
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

func token(s string) string { return strings.ToLower(s) }
