package throughput

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fleet"
)

// minimalPayload is what the minimal server reads of a delivery: the
// fields of the review request, and nothing it does not publish.
type minimalPayload struct {
	ID                 string `json:"id"`
	EventType          string `json:"eventType"`
	SubscriptionID     string `json:"subscriptionId"`
	NotificationID     int64  `json:"notificationId"`
	ResourceContainers struct {
		Collection struct {
			BaseURL string `json:"baseUrl"`
		} `json:"collection"`
	} `json:"resourceContainers"`
	Resource struct {
		minimalPullRequest
		Comment *struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
		} `json:"comment"`
		PullRequest *minimalPullRequest `json:"pullRequest"`
	} `json:"resource"`
}

type minimalPullRequest struct {
	PullRequestID int `json:"pullRequestId"`
	Repository    struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Project struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"project"`
	} `json:"repository"`
	LastMergeSourceCommit struct {
		CommitID string `json:"commitId"`
	} `json:"lastMergeSourceCommit"`
	LastMergeTargetCommit struct {
		CommitID string `json:"commitId"`
	} `json:"lastMergeTargetCommit"`
}

// minimalHandler is the yardstick: read the body, decode it once, publish
// the review request to the same stream with the same de-duplication id,
// answer 202. No authentication, limits, validation, metrics, logs or
// traces.
func minimalHandler(js jetstream.JetStream, names fleet.Names) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var p minimalPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		pr, trigger := &p.Resource.minimalPullRequest, events.TriggerCreated
		if p.Resource.PullRequest != nil {
			pr, trigger = p.Resource.PullRequest, events.TriggerComment
		}
		req := &events.ReviewRequest{
			Version: events.SchemaVersion, Trigger: trigger, EventID: p.ID, EventType: p.EventType,
			SubscriptionID: p.SubscriptionID, NotificationID: p.NotificationID, ReceivedAt: time.Now().UTC(),
			OrgURL: p.ResourceContainers.Collection.BaseURL, ProjectID: pr.Repository.Project.ID, ProjectName: pr.Repository.Project.Name,
			RepositoryID: pr.Repository.ID, RepositoryName: pr.Repository.Name, PullRequestID: pr.PullRequestID,
			SourceCommit: pr.LastMergeSourceCommit.CommitID, TargetCommit: pr.LastMergeTargetCommit.CommitID,
		}
		if c := p.Resource.Comment; c != nil {
			req.Comment = &events.CommentRef{CommentID: c.ID, Content: c.Content}
		}
		data, err := req.Marshal()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ack, err := js.PublishMsg(r.Context(), &nats.Msg{Subject: req.Subject(names), Data: data}, jetstream.WithMsgID(req.MsgID()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(struct {
			Status   string `json:"status"`
			Sequence uint64 `json:"stream_seq"`
		}{"accepted", ack.Sequence})
	}
}
