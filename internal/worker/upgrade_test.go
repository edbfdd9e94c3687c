package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
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
	addFindingThread(t, b, "/src/app.go", 3, 58, formerFingerprint, "secret/hardcoded-credential", "error")
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

// TestFormerThreadIsClaimedOnce: two findings of different rules on the
// same text (a header alone, and the same header continuing a curl command)
// have the same fingerprint under a former rule. The earlier release's
// thread is the thread of one of them only: the other gets a thread of its
// own rather than being taken for posted.
func TestFormerThreadIsClaimedOnce(t *testing.T) {
	t.Parallel()
	const (
		header = `-H "X-Api-Key: Zq8vR2mK7xW4pL9sT3"`
		head   = header + "\necho 1\necho 2\necho 3\necho 4\necho 5\necho 6\necho 7\ncurl https://x.invalid \\\n  " + header + "\n"
		path   = "/scripts/call.sh"
	)
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{reviewer.Diff(path, "", reviewer.ChangeAdd, nil, []byte(head), reviewer.DiffOptions{})}}
	res := reviewer.Run(context.Background(), pr, secrets.MustNew())
	require.Len(t, res.Findings, 2)
	former := res.Findings[0]
	former.Rule, former.FormerRules = "secret/hardcoded-credential", nil
	require.Contains(t, res.Findings[1].Fingerprints(), former.Fingerprint(), "the two findings share a former fingerprint")

	b := setupWith(t, map[string]string{}, map[string]string{path: head})
	addFindingThread(t, b, path, 1, len(header)+1, former.Fingerprint(), former.Rule, "error")
	for _, step := range []struct {
		name            string
		already, posted int
	}{{"first review after the upgrade", 1, 1}, {"again", 2, 0}} {
		rep, err := b.worker.Review(context.Background(), b.req)
		require.NoError(t, err, step.name)
		require.Equal(t, step.already, rep.AlreadyPosted, "%s: already posted", step.name)
		require.Equal(t, step.posted, rep.ThreadsPosted, "%s: posted", step.name)
		require.Equal(t, 0, rep.Resolved, "%s: resolved", step.name)
		all, _ := findingThreads(t, b)
		require.Len(t, all, 2, step.name)
	}
}
