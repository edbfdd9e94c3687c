package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
)

func TestValidID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"b1b1b1b1-cccc-dddd-eeee-f2f2f2f2f2f2", true},
		{"E6830352-1210-4E1C-8E1F-2C32B9186153", true},
		{"repo_1", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"répo", false},
		{"team/repo", false},
		{"a.b", false},
		{"a b", false},
		{"a*", false},
		{"a>", false},
		{"a=b", false},
		{"a\nb", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, events.ValidID(tt.id), "%q", tt.id)
	}
}

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
			env, err := events.ParseEnvelope([]byte(`{"id":"` + tt.id + `","eventType":"git.pullrequest.created","resource":` + tt.resource + `}`))
			require.NoError(t, err)
			_, err = events.Decide(env, time.Now())
			var pe *events.PayloadError
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
	env, err := events.ParseEnvelope([]byte(`{"id":"e1","eventType":"git.pullrequest.created","resource":` + pr + `}`))
	require.NoError(t, err)
	d, err := events.Decide(env, time.Now())
	require.NoError(t, err)
	require.LessOrEqual(t, len(d.Request.RepositoryName), events.MaxNameBytes)
	require.LessOrEqual(t, len(d.Request.ProjectName), events.MaxNameBytes)
	require.True(t, strings.HasPrefix(huge, d.Request.RepositoryName) && d.Request.RepositoryName != "")

	env, err = events.ParseEnvelope([]byte(`{"id":"e1","eventType":"git.` + huge + `","resource":{}}`))
	require.NoError(t, err)
	d, err = events.Decide(env, time.Now())
	require.NoError(t, err)
	require.Equal(t, "event_type", d.Ignored)
	require.Less(t, len(d.Reason), 200, "the reason quotes the event type cut short")

	env, err = events.ParseEnvelope([]byte(`{"id":"e1","eventType":"` + events.EventPullRequestComment + `","resource":{"comment":{"id":1,"content":"/azreviewer review","author":{"id":"` +
		huge + `"}},"pullRequest":` + pr + `}}`))
	require.NoError(t, err)
	_, err = events.Decide(env, time.Now())
	var pe *events.PayloadError
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
			env, err := events.ParseEnvelope([]byte(`{"id":"e1","eventType":"` + events.EventPullRequestComment + `","resource":{"comment":{"id":1,"content":` +
				content + `},"pullRequest":{"pullRequestId":3,"repository":{"id":"r","project":{"id":"p"}}}}}`))
			require.NoError(t, err)
			d, err := events.Decide(env, time.Now())
			require.NoError(t, err)
			require.Equal(t, tt.want, d.Request.Comment.Content)
			require.Equal(t, tt.wantTruncated, d.Request.Comment.Truncated)
		})
	}
}

func TestUnmarshalRequestRefusesUnusableIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantField string
	}{
		{"unicode repository id", `{"version":1,"repository_id":"répo","pull_request_id":1}`, "repository_id"},
		{"no repository id", `{"version":1,"pull_request_id":1}`, "repository_id"},
		{"no pull request id", `{"version":1,"repository_id":"r"}`, "pull_request_id"},
		{"project id that climbs a URL path", `{"version":1,"repository_id":"r","pull_request_id":1,"project_id":"p/../x"}`, "project_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := events.UnmarshalRequest([]byte(tt.body))
			require.True(t, events.IsPermanent(err))
			var invalid *events.InvalidRequestError
			require.ErrorAs(t, err, &invalid)
			require.Equal(t, tt.wantField, invalid.Field)
			var c events.Classified
			require.ErrorAs(t, err, &c)
			require.Equal(t, "invalid_request", c.Class())
		})
	}
}

// TestUnusableRequestIsDeadLetteredAtOnce: a review request whose
// repository id cannot name a key (published by an older ingest, or by
// hand) fails permanently on its first delivery, and its dead letter says
// what kind of error it is — instead of failing "nats: invalid key" as if
// transient until MaxDeliver.
func TestUnusableRequestIsDeadLetteredAtOnce(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true, AckWait: 2 * time.Second})
	ctx := context.Background()
	coord, err := events.EnsureCoordination(ctx, b.JS, events.StreamConfig{Memory: true}, events.CoordinationConfig{})
	require.NoError(t, err)
	_, err = b.JS.Publish(ctx, "azreviewer.review.répo.1", []byte(`{"version":1,"trigger":"created","event_id":"e1","project_id":"p","repository_id":"répo","pull_request_id":1}`))
	require.NoError(t, err)

	var settled sync.WaitGroup
	settled.Add(1)
	done := make(chan struct{})
	go func() { settled.Wait(); close(done) }()
	var once sync.Once
	consumeUntil(t, b, events.ConsumeConfig{
		Logger: quiet, MaxDeliver: 3, DeadLetters: events.NewDeadLetters(b.JS),
		Backoff: func(uint64) time.Duration { return 10 * time.Millisecond },
		OnSettled: func(s events.Settlement, _ error, _ time.Duration) {
			if s == events.SettleDeadLetter || s == events.SettleTerm {
				once.Do(settled.Done)
			}
		},
	}, done, func(ctx context.Context, msg jetstream.Msg) error {
		// What the worker does first: decode, then take the lease.
		req, err := events.UnmarshalRequest(msg.Data())
		if err != nil {
			return err
		}
		lease, err := coord.Acquire(ctx, events.PullRequestKey(req.RepositoryID, req.PullRequestID))
		if err != nil {
			return err
		}
		return lease.Release(ctx)
	})
	requireMessages(t, b.DeadLetters, 1)
	list, err := events.ListDeadLetters(ctx, b.JS, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "invalid_request", list[0].ErrorType)
	require.NotEmpty(t, list[0].Diagnosis)
	require.Equal(t, 1, list[0].Deliveries, "not retried")
}

// TestCoordinationKeyShapeIsPermanent: a key the bucket refuses for its
// shape is a permanent, classified error, whichever call meets it.
func TestCoordinationKeyShapeIsPermanent(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, events.StreamConfig{Memory: true})
	ctx := context.Background()
	coord, err := events.EnsureCoordination(ctx, b.JS, events.StreamConfig{Memory: true}, events.CoordinationConfig{})
	require.NoError(t, err)
	key := events.PullRequestKey("répo", 1)
	_, err = coord.Acquire(ctx, key)
	requireInvalidRequest(t, err)
	_, _, err = coord.LoadState(ctx, key)
	requireInvalidRequest(t, err)
	requireInvalidRequest(t, coord.SaveState(ctx, key, []byte(`{}`)))
}

func requireInvalidRequest(t *testing.T, err error) {
	t.Helper()
	require.True(t, events.IsPermanent(err), "%v", err)
	require.ErrorIs(t, err, jetstream.ErrInvalidKey)
	var invalid *events.InvalidRequestError
	require.True(t, errors.As(err, &invalid), "%v", err)
}

func jsonString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}
