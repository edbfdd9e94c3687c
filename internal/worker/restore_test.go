package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// snapshot takes a JetStream snapshot of stream through the API, as
// `nats stream backup` does: the config, the state and the data.
func snapshot(t *testing.T, nc *nats.Conn, stream string) (json.RawMessage, json.RawMessage, []byte) {
	t.Helper()
	inbox := nats.NewInbox()
	sub, err := nc.SubscribeSync(inbox)
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	req, _ := json.Marshal(map[string]any{"deliver_subject": inbox, "no_consumers": true, "chunk_size": 1024})
	resp, err := nc.Request("$JS.API.STREAM.SNAPSHOT."+stream, req, 5*time.Second)
	require.NoError(t, err)
	var sr struct {
		Config json.RawMessage `json:"config"`
		State  json.RawMessage `json:"state"`
		Error  any             `json:"error"`
	}
	require.NoError(t, json.Unmarshal(resp.Data, &sr))
	require.Nil(t, sr.Error, "%s", resp.Data)
	var data bytes.Buffer
	for {
		m, err := sub.NextMsg(5 * time.Second)
		require.NoError(t, err)
		if len(m.Data) == 0 {
			break
		}
		data.Write(m.Data)
		if m.Reply != "" {
			require.NoError(t, m.Respond(nil))
		}
	}
	return sr.Config, sr.State, data.Bytes()
}

// restore restores a snapshot of a stream that does not exist, as `nats
// stream restore` does.
func restore(t *testing.T, nc *nats.Conn, stream string, cfg, state json.RawMessage, data []byte) {
	t.Helper()
	req, _ := json.Marshal(map[string]any{"config": cfg, "state": state})
	resp, err := nc.Request("$JS.API.STREAM.RESTORE."+stream, req, 5*time.Second)
	require.NoError(t, err)
	var rr struct {
		Deliver string `json:"deliver_subject"`
		Error   any    `json:"error"`
	}
	require.NoError(t, json.Unmarshal(resp.Data, &rr))
	require.Nil(t, rr.Error, "%s", resp.Data)
	for len(data) > 0 {
		n := min(len(data), 1024)
		_, err := nc.Request(rr.Deliver, data[:n], 5*time.Second)
		require.NoError(t, err)
		data = data[n:]
	}
	resp, err = nc.Request(rr.Deliver, nil, 10*time.Second)
	require.NoError(t, err)
	require.NotContains(t, string(resp.Data), `"error"`, "%s", resp.Data)
}

// TestFirstReviewAfterTheStateBucketIsRestored: the state bucket is backed up after its
// epoch was written (file storage, as a production fleet runs), a new pull
// request is reviewed, and the bucket is restored from the backup — a
// disaster recovery. The restored epoch entry keeps its time and the pull
// request's state is gone, but the restore created the bucket's stream
// anew, and the epoch is the later of the two: the next review does not
// take the pull request for new, reads the thread list, and posts neither
// the finding nor the summary again.
func TestFirstReviewAfterTheStateBucketIsRestored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sim := azdotest.New(t)
	b := eventstest.Start(t, streams.Config{})
	store, err := coordination.Ensure(ctx, b.JS, streams.Config{}, coordination.Config{})
	require.NoError(t, err)
	_, err = store.StateEpoch(ctx)
	require.NoError(t, err)
	stream := "KV_" + streams.Config{}.Fleet.StateBucket()
	cfg, state, data := snapshot(t, b.Conn, stream)

	pr := sim.NewPullRequest(map[string]string{"/a.js": quiet}, map[string]string{"/a.js": noisy})
	client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT})
	require.NoError(t, err)
	h := &history{sim: sim, pr: pr, store: store, client: client, nats: b}
	w := h.worker(t, skew(testSkew))
	rep, err := w.Review(ctx, h.request())
	require.NoError(t, err)
	require.Equal(t, 1, rep.ThreadsPosted)

	require.NoError(t, b.JS.DeleteStream(ctx, stream))
	restore(t, b.Conn, stream, cfg, state, data)
	st, err := store.LoadReview(ctx, coordination.Key(sim.Repo.ID(), pr.ID()))
	require.NoError(t, err)
	require.True(t, st.Absent, "the state saved after the backup is gone")

	h.push(map[string]string{"/a.js": noisy + "// more\n"})
	calls := h.calls(func() { rep, err = w.Review(ctx, h.request()) })
	require.NoError(t, err)
	require.Positive(t, calls["git.threads.list"], "the thread list is read: %v", calls)
	all, _ := findingThreadsOf(t, pr)
	require.Len(t, all, 1, "console.log, once")
	require.Equal(t, 1, summariesOf(pr), "one summary")
}
