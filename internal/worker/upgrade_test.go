package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSecretThreadOfEarlierReleaseIsRecognised: a thread the hand-written
// secret rules posted (rule secret/hardcoded-credential) is the thread of
// the scanner's finding on the same line (rule secret/github-pat) after the
// upgrade: nothing new is posted and the old thread stays open, on this
// review and the next.
func TestSecretThreadOfEarlierReleaseIsRecognised(t *testing.T) {
	t.Parallel()
	const (
		head = "package app\n\nconst token = \"ghp_" + "Xb3kq9ZrT2mWv8LpYc4NdH6sJfA1uE0gR7iZ\"\n"
		// formerFingerprint is what the release before the scanner stored
		// on the thread of line 3.
		formerFingerprint = "02050ec86dd485eff7e0b3782a52a385"
	)
	b := setupWith(t, map[string]string{}, map[string]string{"/src/app.go": head})
	addFindingThread(b, "/src/app.go", 3, 58, formerFingerprint, "secret/hardcoded-credential", "error")
	for _, step := range []string{"first review after the upgrade", "again"} {
		rep, err := b.worker.Review(context.Background(), b.req)
		require.NoError(t, err, step)
		require.Equal(t, 1, rep.AlreadyPosted, "%s: the former release's thread", step)
		require.Equal(t, 0, rep.ThreadsPosted, "%s: no duplicate", step)
		require.Equal(t, 0, rep.Resolved, "%s: the old thread is not resolved", step)
		all, fixed := findingThreads(t, b)
		require.Equal(t, []string{formerFingerprint}, all, step)
		require.Empty(t, fixed, step)
	}
}
