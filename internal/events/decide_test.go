package events_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
)

// TestDecideSamples runs every Microsoft sample payload in testdata through
// parsing and the review decision.
func TestDecideSamples(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		file        string
		wantIgnored string
		want        *events.ReviewRequest
	}{
		{
			file: "git.pullrequest.created.json",
			want: &events.ReviewRequest{
				Version: 1, Trigger: events.TriggerCreated, EventID: "a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1",
				EventType: "git.pullrequest.created", ReceivedAt: now,
				OrgURL:    "https://dev.azure.com/fabrikam",
				ProjectID: "f5f5f5f5-aaaa-bbbb-cccc-d6d6d6d6d6d6", ProjectName: "Fabrikam",
				RepositoryID: "b1b1b1b1-cccc-dddd-eeee-f2f2f2f2f2f2", RepositoryName: "Fabrikam",
				PullRequestID: 1,
				SourceCommit:  "4444eeee455ff5aaaaabb66ccccccccc7777cccc",
				TargetCommit:  "5555ffff566aa6bbbbbcc77ddddddd888888dddd",
			},
		},
		{file: "git.pullrequest.updated.json", wantIgnored: "pull_request_not_active"},
		{file: "git.pullrequest.merged.json", wantIgnored: "event_type"},
		{file: "git.push.json", wantIgnored: "event_type"},
		{
			file: "ms.vss-code.git-pullrequest-comment-event.json",
			want: &events.ReviewRequest{
				Version: 1, Trigger: events.TriggerComment, EventID: "a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1",
				EventType: events.EventPullRequestComment, ReceivedAt: now,
				OrgURL:    "https://dev.azure.com/fabrikam",
				ProjectID: "d3d3d3d3-eeee-ffff-aaaa-b4b4b4b4b4b4", ProjectName: "Fabrikam",
				RepositoryID: "c2c2c2c2-dddd-eeee-ffff-a3a3a3a3a3a3", RepositoryName: "Fabrikam",
				PullRequestID: 1,
				SourceCommit:  "4444eeee455ff5aaaaabb66ccccccccc7777cccc",
				TargetCommit:  "5555ffff566aa6bbbbbcc77ddddddd888888dddd",
				Comment: &events.CommentRef{
					ThreadID: 5, CommentID: 2, AuthorID: "11bb11bb-cc22-dd33-ee44-55ff55ff55ff",
					Content: "This is my comment.", Edited: true,
				},
			},
		},
	}
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.Len(t, files, len(tests), "every sample in testdata has a case")

	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			require.NoError(t, err)
			env, err := events.ParseEnvelope(body)
			require.NoError(t, err)
			d, err := events.Decide(env, now)
			require.NoError(t, err)
			if tt.wantIgnored != "" {
				require.Nil(t, d.Request)
				require.Equal(t, tt.wantIgnored, d.Ignored)
				require.NotEmpty(t, d.Reason)
				return
			}
			require.Empty(t, d.Ignored)
			require.Equal(t, tt.want, d.Request)
		})
	}
}

func TestParseEnvelopeMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantField string
	}{
		{"empty body", ``, ""},
		{"not json", `<html>hello</html>`, ""},
		{"json array", `[1,2]`, ""},
		{"missing event type", `{"id":"x","resource":{}}`, "eventType"},
		{"missing id", `{"eventType":"git.pullrequest.created","resource":{}}`, "id"},
		{"missing resource", `{"id":"x","eventType":"git.pullrequest.created"}`, "resource"},
		{"null resource", `{"id":"x","eventType":"git.pullrequest.created","resource":null}`, "resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := events.ParseEnvelope([]byte(tt.body))
			var pe *events.PayloadError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.wantField, pe.Field)
		})
	}
}

func TestDecideMalformedResource(t *testing.T) {
	t.Parallel()
	repo := `"repository":{"id":"r1","project":{"id":"p1"}}`
	tests := []struct {
		name      string
		eventType string
		resource  string
		wantField string
	}{
		{"resource not an object", events.EventPullRequestCreated, `"text"`, "resource"},
		{"no pull request id", events.EventPullRequestCreated, `{` + repo + `}`, "resource.pullRequestId"},
		{"negative pull request id", events.EventPullRequestUpdated, `{"pullRequestId":-3,` + repo + `}`, "resource.pullRequestId"},
		{"no repository", events.EventPullRequestCreated, `{"pullRequestId":3}`, "resource.repository"},
		{"repository id not a token", events.EventPullRequestCreated, `{"pullRequestId":3,"repository":{"id":"a.b","project":{"id":"p"}}}`, "resource.repository.id"},
		{"no project", events.EventPullRequestCreated, `{"pullRequestId":3,"repository":{"id":"r1"}}`, "resource.repository.project.id"},
		{"comment without comment", events.EventPullRequestComment, `{"pullRequest":{"pullRequestId":3,` + repo + `}}`, "resource.comment"},
		{"comment without pull request", events.EventPullRequestComment, `{"comment":{"id":1,"content":"hi"}}`, "resource.pullRequest"},
		{"comment with bad pull request", events.EventPullRequestComment, `{"comment":{"id":1},"pullRequest":{"pullRequestId":3}}`, "resource.pullRequest.repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, err := events.ParseEnvelope([]byte(`{"id":"e1","eventType":"` + tt.eventType + `","resource":` + tt.resource + `}`))
			require.NoError(t, err)
			_, err = events.Decide(env, time.Now())
			var pe *events.PayloadError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.wantField, pe.Field)
		})
	}
}

func TestMsgIDCollapsesDeliveriesOfOnePush(t *testing.T) {
	t.Parallel()
	created := events.ReviewRequest{EventID: "e1", RepositoryID: "r", PullRequestID: 7, SourceCommit: "abc", Trigger: events.TriggerCreated}
	updated := events.ReviewRequest{EventID: "e2", RepositoryID: "r", PullRequestID: 7, SourceCommit: "abc", Trigger: events.TriggerUpdated}
	pushed := events.ReviewRequest{EventID: "e3", RepositoryID: "r", PullRequestID: 7, SourceCommit: "def", Trigger: events.TriggerUpdated}
	require.Equal(t, created.MsgID(), updated.MsgID())
	require.NotEqual(t, created.MsgID(), pushed.MsgID())
	require.Equal(t, "azreviewer.review.r.7", created.Subject())
}

func TestNormalizeOrgURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://dev.azure.com/Fabrikam/":          "https://dev.azure.com/fabrikam",
		"https://fabrikam.visualstudio.com/":       "https://dev.azure.com/fabrikam",
		"http://127.0.0.1:8081/Fabrikam%20Fiber":   "http://127.0.0.1:8081/fabrikam fiber",
		"http://127.0.0.1:8081/fabrikam%20fiber/ ": "http://127.0.0.1:8081/fabrikam fiber",
	}
	for in, want := range tests {
		require.Equal(t, want, events.NormalizeOrgURL(in), in)
	}
}

func TestUnmarshalRequestRejectsNewerSchema(t *testing.T) {
	t.Parallel()
	_, err := events.UnmarshalRequest([]byte(`{"version":99,"repository_id":"r","pull_request_id":1}`))
	require.True(t, events.IsPermanent(err))
	_, err = events.UnmarshalRequest([]byte(`not json`))
	require.True(t, events.IsPermanent(err))
	r, err := events.UnmarshalRequest([]byte(`{"version":1,"repository_id":"r","pull_request_id":1}`))
	require.NoError(t, err)
	require.Equal(t, 1, r.PullRequestID)
}

// TestOrgURLOfAServerPayload: on Azure DevOps Server the account container
// is the server and the collection the organisation a worker is configured
// with; on Services both are the organisation. The collection decides.
func TestOrgURLOfAServerPayload(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join("testdata", "git.pullrequest.created.json"))
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(body, &raw))
	tests := []struct {
		name, account, collection, want string
	}{
		{"Server", "https://tfs.fabrikam.example/tfs/", "https://tfs.fabrikam.example/tfs/DefaultCollection/", "https://tfs.fabrikam.example/tfs/defaultcollection"},
		{"Server, custom virtual directory", "https://ado.fabrikam.example/", "https://ado.fabrikam.example/Web%20Platform/", "https://ado.fabrikam.example/web platform"},
		{"Services", "https://dev.azure.com/fabrikam/", "https://dev.azure.com/fabrikam/", "https://dev.azure.com/fabrikam"},
		{"Services, account only", "https://fabrikam.visualstudio.com/", "", "https://dev.azure.com/fabrikam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			containers := map[string]any{"account": map[string]any{"id": "a", "baseUrl": tt.account}, "project": map[string]any{"id": "p"}}
			if tt.collection != "" {
				containers["collection"] = map[string]any{"id": "c", "baseUrl": tt.collection}
			}
			payload := map[string]any{}
			for k, v := range raw {
				payload[k] = v
			}
			payload["resourceContainers"] = containers
			data, err := json.Marshal(payload)
			require.NoError(t, err)
			env, err := events.ParseEnvelope(data)
			require.NoError(t, err)
			d, err := events.Decide(env, time.Now())
			require.NoError(t, err)
			require.Equal(t, tt.want, d.Request.OrgURL)
		})
	}
}
