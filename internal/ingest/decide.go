package ingest

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// decision is what ingest does with an envelope: publish Request, or
// acknowledge and ignore it for Reason.
type decision struct {
	Request *events.ReviewRequest
	// Ignored is a short, stable reason code for metrics ("event_type",
	// "pull_request_not_active", "system_comment"); empty when Request is set.
	Ignored string
	// Reason says in words why the event is ignored.
	Reason string
}

// decideEnvelope turns a parsed envelope into a review request, or explains why it is
// ignored. Authenticated events that azreviewer does not act on are ignored,
// not rejected: Azure DevOps puts a subscription on probation after
// non-transient failures. A malformed resource of an event type we handle is
// a *servicehooks.PayloadError.
func decideEnvelope(env *servicehooks.Envelope, now time.Time) (decision, error) {
	var trigger events.Trigger
	switch env.EventType {
	case servicehooks.EventPullRequestCreated:
		trigger = events.TriggerCreated
	case servicehooks.EventPullRequestUpdated:
		trigger = events.TriggerUpdated
	case servicehooks.EventPullRequestComment:
		trigger = events.TriggerComment
	default:
		return decision{Ignored: "event_type", Reason: fmt.Sprintf("event type %.64q does not trigger a review", env.EventType)}, nil
	}

	var pr *servicehooks.PullRequestResource
	var comment *events.CommentRef
	if trigger == events.TriggerComment {
		res, err := env.Comment()
		if err != nil {
			return decision{}, err
		}
		if res.Comment == nil {
			return decision{}, &servicehooks.PayloadError{Field: "resource.comment", Reason: "missing"}
		}
		if res.PullRequest == nil {
			return decision{}, &servicehooks.PayloadError{Field: "resource.pullRequest", Reason: "missing"}
		}
		if res.Comment.CommentType == "system" {
			return decision{Ignored: "system_comment", Reason: "system comments do not trigger a review"}, nil
		}
		pr = res.PullRequest
		content, truncated := capComment(res.Comment.Content)
		comment = &events.CommentRef{
			CommentID: res.Comment.ID,
			Content:   content,
			Truncated: truncated,
			Edited:    res.Comment.LastContentUpdatedDate.After(res.Comment.PublishedDate),
		}
		if res.Comment.Author != nil && res.Comment.Author.ID != "" {
			if !events.ValidID(res.Comment.Author.ID) {
				return decision{}, &servicehooks.PayloadError{Field: "resource.comment.author.id", Reason: notAnID}
			}
			comment.AuthorID = res.Comment.Author.ID
		}
		if res.Comment.Links != nil && res.Comment.Links.Threads != nil {
			comment.ThreadID = threadIDFromHref(res.Comment.Links.Threads.Href)
		}
	} else {
		var err error
		if pr, err = env.PullRequest(); err != nil {
			return decision{}, err
		}
	}
	prefix := "resource"
	if trigger == events.TriggerComment {
		prefix = "resource.pullRequest"
	}
	if err := validatePullRequest(pr, prefix); err != nil {
		return decision{}, err
	}
	if pr.Status != "" && pr.Status != "active" {
		return decision{Ignored: "pull_request_not_active", Reason: fmt.Sprintf("pull request %d is %s", pr.PullRequestID, pr.Status)}, nil
	}
	if err := validateDelivery(env, pr, prefix); err != nil {
		return decision{}, err
	}

	orgURL := env.OrgURL(pr)
	if len(orgURL) > maxOrgURLBytes {
		return decision{}, &servicehooks.PayloadError{Field: "resourceContainers", Reason: fmt.Sprintf("the organisation URL is longer than %d bytes", maxOrgURLBytes)}
	}
	req := &events.ReviewRequest{
		Version:        events.SchemaVersion,
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
	return decision{Request: req}, nil
}

// notAnID is the reason given for an id of the wrong shape.
const notAnID = "missing or not an Azure DevOps id (1 to 64 letters, digits, '-' or '_')"

// validatePullRequest checks what a review request takes from the pull
// request: its id, repository id and project id become subject tokens,
// key-value keys and URL path segments. Anything published must be usable
// there, so nothing answered 202 can fail later for its shape.
func validatePullRequest(pr *servicehooks.PullRequestResource, prefix string) error {
	switch {
	case pr.PullRequestID <= 0:
		return &servicehooks.PayloadError{Field: prefix + ".pullRequestId", Reason: "missing or not a positive number"}
	case pr.Repository == nil:
		return &servicehooks.PayloadError{Field: prefix + ".repository", Reason: "missing"}
	case !events.ValidID(pr.Repository.ID):
		return &servicehooks.PayloadError{Field: prefix + ".repository.id", Reason: notAnID}
	case pr.Repository.Project == nil || pr.Repository.Project.ID == "":
		return &servicehooks.PayloadError{Field: prefix + ".repository.project.id", Reason: "missing"}
	case !events.ValidID(pr.Repository.Project.ID):
		return &servicehooks.PayloadError{Field: prefix + ".repository.project.id", Reason: notAnID}
	}
	return nil
}

// validateDelivery checks the other ids a review request carries, once the
// event is known to be published: the event id and the source commit are
// part of the de-duplication id.
func validateDelivery(env *servicehooks.Envelope, pr *servicehooks.PullRequestResource, prefix string) error {
	switch {
	case pr.LastMergeSourceCommit != nil && pr.LastMergeSourceCommit.CommitID != "" && !validCommit(pr.LastMergeSourceCommit.CommitID):
		return &servicehooks.PayloadError{Field: prefix + ".lastMergeSourceCommit.commitId", Reason: "not a commit id (40 or 64 hexadecimal digits)"}
	case pr.LastMergeTargetCommit != nil && pr.LastMergeTargetCommit.CommitID != "" && !validCommit(pr.LastMergeTargetCommit.CommitID):
		return &servicehooks.PayloadError{Field: prefix + ".lastMergeTargetCommit.commitId", Reason: "not a commit id (40 or 64 hexadecimal digits)"}
	case !events.ValidID(env.ID):
		return &servicehooks.PayloadError{Field: "id", Reason: notAnID}
	case env.SubscriptionID != "" && !events.ValidID(env.SubscriptionID):
		return &servicehooks.PayloadError{Field: "subscriptionId", Reason: notAnID}
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
