package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/stretchr/testify/require"
)

// TestDecideRefusesUnusableIDs: the ids that become subject tokens,
// key-value keys and de-duplication ids are checked by Decide, with the
// payload field named.
func TestDecideRefusesUnusableIDs(t *testing.T) {
	t.Parallel()
	const commit = `"lastMergeSourceCommit":{"commitId":"4444eeee455ff5aaaaabb66ccccccccc7777cccc"}`
	tests := []struct {
		name      string
		id        string
		resource  string
		wantField string
	}{
		{"unicode repository id", "e1", `{"pullRequestId":3,"repository":{"id":"répo","project":{"id":"p"}}}`, "resource.repository.id"},
		{"repository id with a slash", "e1", `{"pullRequestId":3,"repository":{"id":"a/b","project":{"id":"p"}}}`, "resource.repository.id"},
		{"project id with a space", "e1", `{"pullRequestId":3,"repository":{"id":"r","project":{"id":"My Project"}}}`, "resource.repository.project.id"},
		{"short source commit", "e1", `{"pullRequestId":3,"lastMergeSourceCommit":{"commitId":"4444eee"},"repository":{"id":"r","project":{"id":"p"}}}`, "resource.lastMergeSourceCommit.commitId"},
		{"target commit not hexadecimal", "e1", `{"pullRequestId":3,` + commit + `,"lastMergeTargetCommit":{"commitId":"zzzzeeee455ff5aaaaabb66ccccccccc7777cccc"},"repository":{"id":"r","project":{"id":"p"}}}`, "resource.lastMergeTargetCommit.commitId"},
		{"event id with a space", "e 1", `{"pullRequestId":3,` + commit + `,"repository":{"id":"r","project":{"id":"p"}}}`, "id"},
		{"organisation URL of a megabyte", "e1", `{"pullRequestId":3,"repository":{"id":"r","url":"https://dev.azure.com/` + strings.Repeat("o", 1<<20) + `/_apis/git/repositories/r","project":{"id":"p"}}}`, "resourceContainers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, err := servicehooks.ParseEnvelope([]byte(`{"id":"` + tt.id + `","eventType":"git.pullrequest.created","resource":` + tt.resource + `}`))
			require.NoError(t, err)
			_, err = decideEnvelope(env, time.Now())
			var pe *servicehooks.PayloadError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.wantField, pe.Field)
		})
	}
}

// TestDecideBoundsFreeText: the free text a review request carries or a
// decision logs is bounded, whatever size the payload gives it (names are
// cut, an author id must be an id), so an authenticated payload cannot make
// a megabyte message or log line out of a field.
func TestDecideBoundsFreeText(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("n", 1<<20)
	pr := `{"pullRequestId":3,"repository":{"id":"r","name":"` + huge + `","project":{"id":"p","name":"` + huge + `"}}}`
	env, err := servicehooks.ParseEnvelope([]byte(`{"id":"e1","eventType":"git.pullrequest.created","resource":` + pr + `}`))
	require.NoError(t, err)
	d, err := decideEnvelope(env, time.Now())
	require.NoError(t, err)
	require.LessOrEqual(t, len(d.Request.RepositoryName), MaxNameBytes)
	require.LessOrEqual(t, len(d.Request.ProjectName), MaxNameBytes)
	require.True(t, strings.HasPrefix(huge, d.Request.RepositoryName) && d.Request.RepositoryName != "")

	env, err = servicehooks.ParseEnvelope([]byte(`{"id":"e1","eventType":"git.` + huge + `","resource":{}}`))
	require.NoError(t, err)
	d, err = decideEnvelope(env, time.Now())
	require.NoError(t, err)
	require.Equal(t, "event_type", d.Ignored)
	require.Less(t, len(d.Reason), 200, "the reason quotes the event type cut short")

	env, err = servicehooks.ParseEnvelope([]byte(`{"id":"e1","eventType":"` + servicehooks.EventPullRequestComment + `","resource":{"comment":{"id":1,"content":"/azreviewer review","author":{"id":"` +
		huge + `"}},"pullRequest":` + pr + `}}`))
	require.NoError(t, err)
	_, err = decideEnvelope(env, time.Now())
	var pe *servicehooks.PayloadError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "resource.comment.author.id", pe.Field)
}

func TestDecideCapsCommentText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", events.MaxCommentBytes)
	tests := []struct {
		name          string
		content       string
		want          string
		wantTruncated bool
	}{
		{"short", "/azreviewer review", "/azreviewer review", false},
		{"exactly the cap", long, long, false},
		{"cut at the last line break", "/azreviewer review\n" + long, "/azreviewer review\n", true},
		{"one long line cut before a split character", strings.Repeat("x", events.MaxCommentBytes-1) + "é and more", strings.Repeat("x", events.MaxCommentBytes-1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			content, err := jsonString(tt.content)
			require.NoError(t, err)
			env, err := servicehooks.ParseEnvelope([]byte(`{"id":"e1","eventType":"` + servicehooks.EventPullRequestComment + `","resource":{"comment":{"id":1,"content":` +
				content + `},"pullRequest":{"pullRequestId":3,"repository":{"id":"r","project":{"id":"p"}}}}}`))
			require.NoError(t, err)
			d, err := decideEnvelope(env, time.Now())
			require.NoError(t, err)
			require.Equal(t, tt.want, d.Request.Comment.Content)
			require.Equal(t, tt.wantTruncated, d.Request.Comment.Truncated)
		})
	}
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

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
				EventType: servicehooks.EventPullRequestComment, ReceivedAt: now,
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
	files, err := filepath.Glob(samples + "/*.json")
	require.NoError(t, err)
	require.Len(t, files, len(tests), "every sample in testdata has a case")

	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join(samples, tt.file))
			require.NoError(t, err)
			env, err := servicehooks.ParseEnvelope(body)
			require.NoError(t, err)
			d, err := decideEnvelope(env, now)
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

func TestDecideMalformedResource(t *testing.T) {
	t.Parallel()
	repo := `"repository":{"id":"r1","project":{"id":"p1"}}`
	tests := []struct {
		name      string
		eventType string
		resource  string
		wantField string
	}{
		{"resource not an object", servicehooks.EventPullRequestCreated, `"text"`, "resource"},
		{"no pull request id", servicehooks.EventPullRequestCreated, `{` + repo + `}`, "resource.pullRequestId"},
		{"negative pull request id", servicehooks.EventPullRequestUpdated, `{"pullRequestId":-3,` + repo + `}`, "resource.pullRequestId"},
		{"no repository", servicehooks.EventPullRequestCreated, `{"pullRequestId":3}`, "resource.repository"},
		{"repository id not a token", servicehooks.EventPullRequestCreated, `{"pullRequestId":3,"repository":{"id":"a.b","project":{"id":"p"}}}`, "resource.repository.id"},
		{"no project", servicehooks.EventPullRequestCreated, `{"pullRequestId":3,"repository":{"id":"r1"}}`, "resource.repository.project.id"},
		{"comment without comment", servicehooks.EventPullRequestComment, `{"pullRequest":{"pullRequestId":3,` + repo + `}}`, "resource.comment"},
		{"comment without pull request", servicehooks.EventPullRequestComment, `{"comment":{"id":1,"content":"hi"}}`, "resource.pullRequest"},
		{"comment with bad pull request", servicehooks.EventPullRequestComment, `{"comment":{"id":1},"pullRequest":{"pullRequestId":3}}`, "resource.pullRequest.repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env, err := servicehooks.ParseEnvelope([]byte(`{"id":"e1","eventType":"` + tt.eventType + `","resource":` + tt.resource + `}`))
			require.NoError(t, err)
			_, err = decideEnvelope(env, time.Now())
			var pe *servicehooks.PayloadError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.wantField, pe.Field)
		})
	}
}

// TestOrgURLOfAServerPayload: on Azure DevOps Server the account container
// is the server and the collection the organisation a worker is configured
// with; on Services both are the organisation. The collection decides.
func TestOrgURLOfAServerPayload(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(filepath.Join(samples, "git.pullrequest.created.json"))
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
			env, err := servicehooks.ParseEnvelope(data)
			require.NoError(t, err)
			d, err := decideEnvelope(env, time.Now())
			require.NoError(t, err)
			require.Equal(t, tt.want, d.Request.OrgURL)
		})
	}
}

// samples are Microsoft's sample service-hook payloads, kept beside the
// format they are in.
const samples = "../servicehooks/testdata"
