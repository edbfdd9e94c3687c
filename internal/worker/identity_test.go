package worker_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestIdentityLookupIsSafeConcurrently: comment commands handled at once
// while the PAT's identity cannot be read (run with -race) all fail the
// same way, and once Azure DevOps answers again the identity is read and
// kept.
func TestIdentityLookupIsSafeConcurrently(t *testing.T) {
	t.Parallel()
	const commands = 6
	b := setupWith(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"},
		func(ac *azdo.Config, _ *worker.Config) { ac.MaxRetries = -1 })
	_, err := b.worker.Review(context.Background(), b.req) // a thread to answer in
	require.NoError(t, err)
	thread := *b.sim.Org.PullRequest(b.req.PullRequestID).Threads()[0].Id
	b.sim.Server.FailRequests("location.connectionData", commands, http.StatusInternalServerError, 0)
	command := func() *events.ReviewRequest {
		req := *b.req
		req.Trigger = events.TriggerComment
		req.Comment = &events.CommentRef{ThreadID: thread, CommentID: 2, AuthorID: "someone", Content: "/azreviewer help"}
		return &req
	}
	var wg sync.WaitGroup
	errs := make([]error, commands)
	for i := range commands {
		wg.Go(func() { _, errs[i] = b.worker.Review(context.Background(), command()) })
	}
	wg.Wait()
	for _, err := range errs {
		require.Error(t, err, "the identity lookup failed")
	}

	lookups := b.sim.Server.Count("location.connectionData")
	for range 2 {
		_, err := b.worker.Review(context.Background(), command())
		require.NoError(t, err)
	}
	require.Equal(t, lookups+1, b.sim.Server.Count("location.connectionData"), "read once, then kept")
}
