package app_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestWorkerMistakesNameWhatToSet: worker.Config's mistakes name the field
// only; the worker command names the flag and the environment variable an
// operator sets.
func TestWorkerMistakesNameWhatToSet(t *testing.T) {
	t.Parallel()
	err := worker.Config{MaxThreads: -1, CommentAllowedHosts: []string{"a b"}}.Validate()
	require.Error(t, err)
	for _, env := range []string{"AZDO_ORG_URL", "MAX_THREADS", "COMMENT_ALLOWED_HOSTS"} {
		require.NotContains(t, err.Error(), env, "the library names no environment variable")
	}
	var se *worker.SettingError
	require.ErrorAs(t, err, &se)

	b := eventstest.Start(t, streams.Config{Memory: true})
	c, wc, err := apptest.WorkerFlags("--azdo-org-url", "http://127.0.0.1:1/org", "--azdo-pat", "pat",
		"--max-threads", "-1", "--comment-allowed-hosts", "a b", "--blocking-severity", "urgent")
	require.NoError(t, err)
	c.Stream = streams.Config{Memory: true}
	_, err = app.NewWorkerLoop(context.Background(), c, wc, app.WorkerDeps{JS: b.JS, Stream: b.Stream})
	require.ErrorIs(t, err, app.ErrUsage)
	for _, want := range []string{
		"--max-threads / MAX_THREADS: max threads must not be negative",
		"--comment-allowed-hosts / COMMENT_ALLOWED_HOSTS: ",
		`--blocking-severity / BLOCKING_SEVERITY: blocking severity "urgent" is not one of info, warning, error`,
	} {
		require.ErrorContains(t, err, want)
	}
}
