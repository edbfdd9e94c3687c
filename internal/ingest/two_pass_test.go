package ingest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// This file keeps ingest's decoding as it was before the body was decoded
// once — the envelope by encoding/json with the resource raw, then the
// resource again once its kind is known — as the baseline of
// BenchmarkDecide and the reference of FuzzDecideMatchesTwoPass.

// twoPassParseEnvelope is servicehooks.ParseEnvelope as it was.
func twoPassParseEnvelope(body []byte) (*servicehooks.Envelope, error) {
	var env servicehooks.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, &servicehooks.PayloadError{Field: "", Reason: "body is not a JSON service-hook envelope: " + err.Error()}
	}
	switch {
	case env.EventType == "":
		return nil, &servicehooks.PayloadError{Field: "eventType", Reason: "missing"}
	case env.ID == "":
		return nil, &servicehooks.PayloadError{Field: "id", Reason: "missing"}
	case len(env.Resource) == 0 || string(env.Resource) == "null":
		return nil, &servicehooks.PayloadError{Field: "resource", Reason: "missing"}
	}
	return &env, nil
}

// twoPassDecide is the handler's decision as it was: both passes.
func twoPassDecide(body []byte, now time.Time) (decision, error) {
	env, err := twoPassParseEnvelope(body)
	if err != nil {
		return decision{}, err
	}
	return twoPassDecideEnvelope(env, now)
}

// onePassDecide is the handler's decision now.
func onePassDecide(body []byte, now time.Time) (decision, error) {
	env, err := servicehooks.ParseEnvelope(body)
	if err != nil {
		return decision{}, err
	}
	return decideEnvelope(env, now)
}

// FuzzDecideMatchesTwoPass: for every body, the one-pass decision is the
// two-pass one — the same review request, the same reason to ignore, or
// the same *PayloadError (field and text), so the same answer, body and
// outcome.
func FuzzDecideMatchesTwoPass(f *testing.F) {
	fuzztest.AddFiles(f, "../servicehooks/testdata/*.json")
	fuzztest.AddFiles(f, "../servicehooks/testdata/shapes/*.json")
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		requireSameDecision(t, body, now)
	})
}

func requireSameDecision(t *testing.T, body []byte, now time.Time) {
	t.Helper()
	want, wantErr := twoPassDecide(body, now)
	got, gotErr := onePassDecide(body, now)
	if wantErr != nil {
		require.Error(t, gotErr, "two-pass refuses %q: %v", body, wantErr)
		require.IsType(t, wantErr, gotErr)
		require.Equal(t, wantErr.Error(), gotErr.Error())
		require.Equal(t, wantErr.(*servicehooks.PayloadError).Field, gotErr.(*servicehooks.PayloadError).Field) //nolint:errorlint // both are the type itself
		return
	}
	require.NoError(t, gotErr, "two-pass accepts %q", body)
	require.Equal(t, want, got)
}

// TestDecideMatchesTwoPass runs the samples, the fuzz shapes and bodies
// that reach each refusal of the resource through both decoders.
func TestDecideMatchesTwoPass(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var bodies [][]byte
	for _, pattern := range []string{samples + "/*.json", samples + "/shapes/*.json"} {
		files, err := filepath.Glob(pattern)
		require.NoError(t, err)
		for _, file := range files {
			b, err := os.ReadFile(file)
			require.NoError(t, err)
			bodies = append(bodies, b)
		}
	}
	pr := `{"pullRequestId":3,"repository":{"id":"r","project":{"id":"p"}}}`
	for _, et := range []string{servicehooks.EventPullRequestCreated, servicehooks.EventPullRequestComment, "git.push"} {
		for _, res := range []string{
			`"text"`, `5`, `[]`, `{}`, `{"pullRequestId":"3"}`, `{"title":5}`, `{"comment":"x"}`, `{"comment":{"publishedDate":"soon"},"pullRequest":` + pr + `}`,
			`{"comment":{"id":1,"commentType":"system"},"pullRequest":` + pr + `}`, `{"Comment":{"id":1},"pullRequest":` + pr + `}`,
			`{"pullRequestId":3,"pullRequestId":4,"repository":{"id":"r","project":{"id":"p"}}}`, pr,
			`{"comment":{"id":1,"content":"caf\u00e9\n"},"pullRequest":` + pr + `}`,
		} {
			bodies = append(bodies, fmt.Appendf(nil, `{"id":"e1","eventType":%q,"resource":%s}`, et, res))
		}
	}
	// The resource named twice: the two steps keep the last one only.
	bodies = append(bodies,
		[]byte(`{"id":"e1","eventType":"git.pullrequest.created","resource":`+pr+`,"resource":{}}`),
		[]byte(`{"id":"e1","eventType":"git.pullrequest.created","resource":`+pr+`,"Resource":{"pullRequestId":4}}`),
		[]byte(`{"id":"e1","eventType":"git.pullrequest.created","resource":`+pr+`,"r\u0065source":{}}`))
	for _, b := range bodies {
		requireSameDecision(t, b, now)
	}
}

// BenchmarkDecide: the decision on each sample that asks for a review,
// two-pass (as it was) and one-pass, in the same run.
func BenchmarkDecide(b *testing.B) {
	now := time.Now()
	for _, name := range []string{"git.pullrequest.created.json", "ms.vss-code.git-pullrequest-comment-event.json"} {
		body, err := os.ReadFile(filepath.Join(samples, name))
		require.NoError(b, err)
		for _, impl := range []struct {
			name   string
			decide func([]byte, time.Time) (decision, error)
		}{{"two-pass", twoPassDecide}, {"one-pass", onePassDecide}} {
			b.Run(name+"/"+impl.name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if d, err := impl.decide(body, now); err != nil || d.Request == nil {
						b.Fatal(d, err)
					}
				}
			})
		}
	}
}

// twoPassDecideEnvelope is decideEnvelope as it was, decoding the resource
// again by its kind.
func twoPassDecideEnvelope(env *servicehooks.Envelope, now time.Time) (decision, error) {
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
		var res servicehooks.CommentResource
		if err := json.Unmarshal(env.Resource, &res); err != nil {
			return decision{}, &servicehooks.PayloadError{Field: "resource", Reason: "not a pull-request comment resource: " + err.Error()}
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
		pr = new(servicehooks.PullRequestResource)
		if err := json.Unmarshal(env.Resource, pr); err != nil {
			return decision{}, &servicehooks.PayloadError{Field: "resource", Reason: "not a pull-request resource: " + err.Error()}
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

// TestDecideMatchesTwoPassOnEveryValue: in each sample that asks for a
// review, every value in turn is replaced by one of each kind (and by
// values the fields read would refuse), and every name is written in upper
// case; both decoders decide the same on each body.
func TestDecideMatchesTwoPassOnEveryValue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	variants := []any{nil, 0, -1, 1.5, 1e300, "", "s", "2024-06-17T11:22:33Z", true, map[string]any{}, []any{}, map[string]any{"id": "x"}}
	for _, name := range []string{"git.pullrequest.created.json", "ms.vss-code.git-pullrequest-comment-event.json"} {
		raw, err := os.ReadFile(filepath.Join(samples, name))
		require.NoError(t, err)
		var doc any
		require.NoError(t, json.Unmarshal(raw, &doc))
		count := 0
		var walk func(v any, set func(any))
		walk = func(v any, set func(any)) {
			for _, x := range variants {
				set(x)
				body, err := json.Marshal(doc)
				require.NoError(t, err)
				requireSameDecision(t, body, now)
				count++
			}
			set(v)
			switch v := v.(type) {
			case map[string]any:
				for k, child := range v {
					up := strings.ToUpper(k)
					if up != k {
						delete(v, k)
						v[up] = child
						body, err := json.Marshal(doc)
						require.NoError(t, err)
						requireSameDecision(t, body, now)
						delete(v, up)
						v[k] = child
					}
					walk(child, func(x any) { v[k] = x })
				}
			case []any:
				for i, child := range v {
					walk(child, func(x any) { v[i] = x })
				}
			}
		}
		walk(doc, func(x any) { doc = x })
		t.Logf("%s: %d bodies", name, count)
	}
}
