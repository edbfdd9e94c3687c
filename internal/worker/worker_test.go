package worker_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

var (
	base = map[string]string{"/src/app.js": "export const a = 1;\n"}
	head = map[string]string{"/src/app.js": "export const a = 1;\nconsole.log(a);\n"}
)

type bundle struct {
	sim    *azdotest.Sim
	client *azdo.Client
	worker *worker.Worker
	req    *events.ReviewRequest
}

// setup starts a simulator with one pull request and a worker without
// coordination; tune adjusts the client's and the worker's configuration.
func setup(t *testing.T, pat string, tune ...func(*azdo.Config, *worker.Config)) *bundle {
	t.Helper()
	return setupPR(t, pat, base, head, tune...)
}

// setupWith is setup with the pull request's own base and head trees.
func setupWith(t *testing.T, base, head map[string]string, tune ...func(*azdo.Config, *worker.Config)) *bundle {
	t.Helper()
	return setupPR(t, "", base, head, tune...)
}

func setupPR(t *testing.T, pat string, base, head map[string]string, tune ...func(*azdo.Config, *worker.Config)) *bundle {
	t.Helper()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(base, head)
	if pat == "" {
		pat = sim.PAT
	}
	ac := azdo.Config{OrgURL: sim.Org.URL(), PAT: pat}
	// ReviewTimeout only stops a stuck review: the reviewers get three
	// quarters of it, and a large review under -race on a loaded machine
	// takes tens of seconds.
	wc := worker.Config{OrgURL: sim.Org.URL(), ReviewTimeout: 2 * time.Minute, Logger: slog.New(slog.DiscardHandler)}
	for _, f := range tune {
		f(&ac, &wc)
	}
	client, err := azdo.New(ac)
	require.NoError(t, err)
	w, err := worker.New(wc, client, nil)
	require.NoError(t, err)
	return &bundle{sim: sim, client: client, worker: w, req: &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "e1",
		OrgURL: sim.Org.URL(), ProjectID: sim.Project.ID(), RepositoryID: sim.Repo.ID(), PullRequestID: pr.ID(),
	}}
}

func TestReviewCommentCommandReviews(t *testing.T) {
	t.Parallel()
	b := setup(t, "")
	b.req.Trigger = events.TriggerComment
	b.req.Comment = &events.CommentRef{CommentID: 1, Content: "Please look again.\n/azreviewer review\n"}
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
	require.Equal(t, 1, rep.ThreadsPosted)
}

func TestReviewSkipsClosedPullRequest(t *testing.T) {
	t.Parallel()
	b := setup(t, "")
	b.sim.Org.PullRequest(b.req.PullRequestID).SetStatus("abandoned")
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeSkipped, rep.Outcome)
	require.Contains(t, rep.Reason, "abandoned")
}

func TestReviewAgainPostsNothingTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, "")
	first, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 1, first.ThreadsPosted)
	require.True(t, first.SummaryPosted)

	// A redelivery of the same request: every finding is already there.
	second, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 0, second.ThreadsPosted)
	require.Equal(t, 1, second.AlreadyPosted)
	require.False(t, second.SummaryPosted)
	require.Len(t, b.sim.Org.PullRequest(b.req.PullRequestID).Threads(), 2)
}

func TestReviewFailuresAreClassified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		pat           string
		change        func(*events.ReviewRequest)
		wantPermanent bool
		wantKind      azdo.Kind
	}{
		{"unknown PAT", "not-a-valid-pat", nil, true, azdo.KindUnauthorized},
		{"pull request does not exist", "", func(r *events.ReviewRequest) { r.PullRequestID = 999 }, true, azdo.KindNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.pat)
			if tt.change != nil {
				tt.change(b.req)
			}
			rep, err := b.worker.Review(context.Background(), b.req)
			require.Error(t, err)
			require.Equal(t, worker.OutcomeFailed, rep.Outcome)
			require.Equal(t, tt.wantPermanent, events.IsPermanent(err))
			e, ok := azdo.AsError(err)
			require.True(t, ok)
			require.Equal(t, tt.wantKind, e.Kind)
			require.NotEmpty(t, e.Diagnosis())
		})
	}
}

func TestReviewWriteFailuresAreDiagnosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      func(b *bundle)
		wantKind   string
		wantWrites worker.WriteCounts
		wantInDiag []string
	}{
		{
			name:       "PAT owner without Contribute to pull requests",
			fault:      func(b *bundle) { b.sim.Repo.Deny(b.sim.User, azdosim.GitPullRequestContribute) },
			wantKind:   "forbidden",
			wantWrites: worker.WriteCounts{Rejected: 1},
			wantInDiag: []string{`"Contribute to pull requests"`, `repository "Web App"`, `"Azure Reviewer"`, "confirms"},
		},
		{
			name:       "PAT without a write scope",
			fault:      func(b *bundle) { b.sim.Server.LimitScopes(b.sim.PAT, "vso.code") },
			wantKind:   "missing_scope",
			wantWrites: worker.WriteCounts{Rejected: 1},
			wantInDiag: []string{"Code (Read & Write)"},
		},
		{
			name:       "writes acknowledged but dropped",
			fault:      func(b *bundle) { b.sim.Org.PullRequest(b.req.PullRequestID).DropThreadWrites(true) },
			wantKind:   "dropped",
			wantWrites: worker.WriteCounts{Dropped: 2},
			wantInDiag: []string{"not there when read back"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, "")
			tt.fault(b)
			rep, err := b.worker.Review(context.Background(), b.req)
			require.Error(t, err)
			require.True(t, events.IsPermanent(err), "not retried: %v", err)
			require.Equal(t, worker.OutcomeFailed, rep.Outcome)
			require.Equal(t, tt.wantWrites, rep.Writes)
			var c deadletter.Classified
			require.ErrorAs(t, err, &c)
			require.Equal(t, tt.wantKind, c.Class())
			for _, s := range tt.wantInDiag {
				require.Contains(t, c.Diagnosis(), s)
			}
		})
	}
}

func TestReviewRateLimited(t *testing.T) {
	t.Parallel()
	t.Run("a short Retry-After is waited out within the delivery", func(t *testing.T) {
		t.Parallel()
		b := setup(t, "")
		b.sim.Server.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: time.Second})
		rep, err := b.worker.Review(context.Background(), b.req)
		require.NoError(t, err)
		require.Equal(t, worker.WriteCounts{Posted: 2}, rep.Writes)
	})
	t.Run("a Retry-After beyond the review's deadline puts the message back for then", func(t *testing.T) {
		t.Parallel()
		b := setup(t, "", func(_ *azdo.Config, w *worker.Config) { w.ReviewTimeout = 2 * time.Second })
		b.sim.Server.RateLimit(azdosim.RateLimit{Requests: 1, RetryAfter: 30 * time.Second})
		_, err := b.worker.Review(context.Background(), b.req)
		var retry *events.RetryError
		require.ErrorAs(t, err, &retry)
		require.GreaterOrEqual(t, retry.Delay, 28*time.Second)
		require.False(t, events.IsPermanent(err))
	})
}

func TestPullRequestStatus(t *testing.T) {
	t.Parallel()
	t.Run("failed while a blocking finding is open", func(t *testing.T) {
		t.Parallel()
		b := setup(t, "", func(_ *azdo.Config, w *worker.Config) { w.BlockingSeverity = "warning" })
		rep, err := b.worker.Review(context.Background(), b.req)
		require.NoError(t, err)
		require.Equal(t, "failed", rep.Status)
		st := b.sim.Org.PullRequest(b.req.PullRequestID).Statuses()
		require.Len(t, st, 1)
		require.Equal(t, "1 open finding at warning or above", *st[0].Description)
	})
	t.Run("error, never succeeded, while a reviewer failed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, "", func(_ *azdo.Config, w *worker.Config) {
			w.Reviewers = []reviewer.Reviewer{reviewer.Rules(), failingReviewer{}}
		})
		rep, err := b.worker.Review(context.Background(), b.req)
		require.NoError(t, err)
		require.Equal(t, 1, rep.ThreadsPosted, "the other reviewers' findings are posted")
		require.Equal(t, "error", rep.Status)
		st := b.sim.Org.PullRequest(b.req.PullRequestID).Statuses()
		require.Len(t, st, 1)
		require.Equal(t, "Review incomplete: 1 reviewer failed (flaky); findings may be missing", *st[0].Description)
	})
	t.Run("a refused status does not fail the review", func(t *testing.T) {
		t.Parallel()
		b := setup(t, "")
		b.sim.Server.FailRequests("git.statuses.create", 1, 500, 0)
		rep, err := b.worker.Review(context.Background(), b.req)
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
		require.Empty(t, rep.Status)
		require.Equal(t, 1, rep.ThreadsPosted)
	})
}

// failingReviewer is a reviewer that always fails, as one stopped by the
// deadline or whose service is down does.
type failingReviewer struct{}

func (failingReviewer) Name() string { return "flaky" }

func (failingReviewer) Review(context.Context, *reviewer.PullRequest) ([]reviewer.Finding, error) {
	return nil, errors.New("service unavailable")
}
