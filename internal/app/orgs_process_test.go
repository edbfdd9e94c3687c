package app_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestWorkerProcessReloadsOnSIGHUP: the worker binary, configured by an
// organisations file, re-reads it on SIGHUP: a broken file is logged
// problem by problem and changes nothing, a good one adds an organisation,
// whose review requests it then reviews.
func TestWorkerProcessReloadsOnSIGHUP(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin := apptest.BuildWorkerT(t)
	sim := azdotest.New(t)
	alpha, beta := newReloadOrg(t, sim, "alpha"), newReloadOrg(t, sim, "beta")
	path := filepath.Join(t.TempDir(), "orgs.yaml")
	writeOrgsFile(t, path, alpha)
	b := apptest.NewBroker(t)
	tally := apptest.NewLogTally()
	w, err := apptest.StartWorkerProcess(ctx, apptest.ProcessOptions{
		Binary: bin, NATSURL: b.URL, OrgsFile: path, Tally: tally,
		LogPath: filepath.Join(t.TempDir(), "worker.log"),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Kill() })

	require.NoError(t, os.WriteFile(path, []byte("organizations:\n  - url: ftp://x\n    credential: {pat: a}\n"), 0o600))
	require.NoError(t, w.Signal(syscall.SIGHUP))
	require.NoError(t, tally.Wait(ctx, app.LogOrganisationsNotReloaded, 1))

	writeOrgsFile(t, path, alpha, beta)
	require.NoError(t, w.Signal(syscall.SIGHUP))
	require.NoError(t, tally.Wait(ctx, app.LogOrganisationsReloaded, 1))

	nc, err := b.Connect("orgs-reload-test")
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	pr := beta.newPR(sim)
	_, err = events.NewPublisher(js, streams.Config{}.Fleet).Publish(ctx, &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "beta-after-sighup", OrgURL: beta.org.URL(),
		ProjectID: beta.repo.Project().ID(), RepositoryID: beta.repo.ID(), PullRequestID: pr.ID(), SourceCommit: pr.Head(),
	})
	require.NoError(t, err)
	require.Len(t, waitForSummary(t, pr), 2, "the organisation added by SIGHUP is reviewed")
	require.NoError(t, w.Stop())
}
