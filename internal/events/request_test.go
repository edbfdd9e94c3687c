package events_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fleet"
)

func TestMsgIDCollapsesDeliveriesOfOnePush(t *testing.T) {
	t.Parallel()
	created := events.ReviewRequest{EventID: "e1", RepositoryID: "r", PullRequestID: 7, SourceCommit: "abc", Trigger: events.TriggerCreated}
	updated := events.ReviewRequest{EventID: "e2", RepositoryID: "r", PullRequestID: 7, SourceCommit: "abc", Trigger: events.TriggerUpdated}
	pushed := events.ReviewRequest{EventID: "e3", RepositoryID: "r", PullRequestID: 7, SourceCommit: "def", Trigger: events.TriggerUpdated}
	require.Equal(t, created.MsgID(), updated.MsgID())
	require.NotEqual(t, created.MsgID(), pushed.MsgID())
	require.Equal(t, "azreviewer.review.r.7", created.Subject(fleet.Names{}))
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
