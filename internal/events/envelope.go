package events

import (
	"encoding/json"
	"net/url"
	"strings"
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

// OrgURL is the organisation the event came from, as best the payload says:
// resourceContainers.collection.baseUrl or account.baseUrl, else derived
// from the repository URL. The collection comes first: on Azure DevOps
// Services both name the organisation, but on Azure DevOps Server the
// account is the server (https://host/tfs/) and the collection
// (https://host/tfs/DefaultCollection/) is what a worker is configured
// with. It only ever selects among configured organisations; credentials
// are never sent to it.
func (e *Envelope) OrgURL(pr *PullRequestResource) string {
	for _, name := range []string{"collection", "account"} {
		if c, ok := e.ResourceContainers[name]; ok && c.BaseURL != "" {
			return NormalizeOrgURL(c.BaseURL)
		}
	}
	if pr == nil || pr.Repository == nil || pr.Repository.URL == "" {
		return ""
	}
	return orgFromResourceURL(pr.Repository.URL, pr.Repository.Project)
}

func orgFromResourceURL(raw string, project *struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	path := u.EscapedPath()
	if i := strings.Index(path, "/_apis/"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	host := strings.ToLower(u.Host)
	switch {
	case host == "dev.azure.com" && len(segs) > 0 && segs[0] != "":
		segs = segs[:1]
	case strings.HasSuffix(host, ".visualstudio.com"):
		segs = nil
	case len(segs) > 0 && project != nil:
		last, _ := url.PathUnescape(segs[len(segs)-1])
		if strings.EqualFold(last, project.ID) || strings.EqualFold(last, project.Name) {
			segs = segs[:len(segs)-1]
		}
	}
	u.RawPath, u.Path = "", ""
	out := u.Scheme + "://" + u.Host
	if len(segs) > 0 && segs[0] != "" {
		out += "/" + strings.Join(segs, "/")
	}
	return NormalizeOrgURL(out)
}

// NormalizeOrgURL returns the canonical form of an organisation URL, so that
// the URL configured by an operator and the one in a payload compare equal:
// lower case, no trailing slash, and https://{org}.visualstudio.com written as
// https://dev.azure.com/{org}.
func NormalizeOrgURL(raw string) string {
	s := strings.ToLower(strings.TrimRight(strings.TrimSpace(raw), "/"))
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	if org, ok := strings.CutSuffix(u.Host, ".visualstudio.com"); ok {
		return u.Scheme + "://dev.azure.com/" + org
	}
	if unescaped, err := url.PathUnescape(u.EscapedPath()); err == nil {
		return u.Scheme + "://" + u.Host + strings.TrimRight(unescaped, "/")
	}
	return s
}
