package worker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// The tests in this file run the pipeline against azdotest.Fake: they are
// about the worker's decisions, not the requests the SDK sends (those run
// against the simulator, see worker_test.go).

var _ worker.AzureDevOps = (*azdotest.Fake)(nil)

const fakeOrg = "https://dev.azure.com/fabrikam"

// fakeBundle is a worker over a fake and a request for the fake's pull
// request.
type fakeBundle struct {
	az     *azdotest.Fake
	worker *worker.Worker
	req    *events.ReviewRequest
}

// setupFake builds a worker over azdotest.NewFake(base, head); tune adjusts
// the fake and the worker's configuration.
func setupFake(t *testing.T, base, head map[string]string, tune ...func(*azdotest.Fake, *worker.Config)) *fakeBundle {
	t.Helper()
	az := azdotest.NewFake(base, head)
	wc := worker.Config{OrgURL: fakeOrg, ReviewTimeout: 20 * time.Second, Logger: slog.New(slog.DiscardHandler)}
	for _, f := range tune {
		f(az, &wc)
	}
	w, err := worker.New(wc, az, nil)
	require.NoError(t, err)
	return &fakeBundle{az: az, worker: w, req: &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerCreated, EventID: "e1",
		OrgURL: fakeOrg, ProjectID: "project", RepositoryID: "repo", PullRequestID: 1,
	}}
}

// fixedReviewer reports one finding per severity given, on added lines 1,
// 2, … of path, in that order.
type fixedReviewer struct {
	path       string
	severities []reviewer.Severity
}

func (fixedReviewer) Name() string { return "fixed" }

func (r fixedReviewer) Review(context.Context, *reviewer.PullRequest) ([]reviewer.Finding, error) {
	out := make([]reviewer.Finding, len(r.severities))
	for i, sev := range r.severities {
		out[i] = reviewer.Finding{Path: r.path, StartLine: i + 1, Rule: fmt.Sprintf("fixed/%s-%d", sev, i+1), Severity: sev, Message: "m"}
	}
	return out, nil
}

// fixedFiles is a pull request adding n lines to /a.txt, for fixedReviewer.
func fixedFiles(n int) (base, head map[string]string) {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "line %d\n", i+1)
	}
	return map[string]string{}, map[string]string{"/a.txt": b.String()}
}

// fingerprints are the fingerprints of r's findings on head, as the
// pipeline computes them.
func fingerprints(t *testing.T, r fixedReviewer, head map[string]string) []string {
	t.Helper()
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{reviewer.Diff(r.path, "", reviewer.ChangeAdd, nil, []byte(head[r.path]), reviewer.DiffOptions{})}}
	res := reviewer.Run(context.Background(), pr, r)
	require.Len(t, res.Findings, len(r.severities))
	out := make([]string, len(res.Findings))
	for i, f := range res.Findings {
		out[i] = f.Fingerprint()
	}
	return out
}

// findingThread is a thread of a finding as an earlier review posted it.
func findingThread(id int, fp string, sev reviewer.Severity, status azdo.ThreadStatus) azdo.Thread {
	return azdo.Thread{ID: id, Status: status, FilePath: "/a.txt", Start: azdo.Position{Line: 1, Offset: 1},
		Comments:   []azdo.Comment{{ID: 1, Content: "earlier"}},
		Properties: map[string]string{worker.PropFingerprint: fp, worker.PropRule: "fixed/x", worker.PropSeverity: string(sev)}}
}

// TestGateSkipsBeforeReading: requests that need no review end at the
// gate, with the reason, having called Azure DevOps for no more than the
// gate needs.
func TestGateSkipsBeforeReading(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		change    func(*events.ReviewRequest, *azdotest.Fake)
		wantCode  string
		wantIn    string
		wantCalls []string
	}{
		{"organisation not configured", func(r *events.ReviewRequest, _ *azdotest.Fake) {
			r.OrgURL = "https://dev.azure.com/someone-else"
		}, worker.SkipOtherOrg, "not configured", nil},
		{"comment without command", func(r *events.ReviewRequest, _ *azdotest.Fake) {
			r.Trigger, r.Comment = events.TriggerComment, &events.CommentRef{CommentID: 1, Content: "Looks good to me"}
		}, worker.SkipNoCommand, "does not contain", nil},
		{"edited comment", func(r *events.ReviewRequest, _ *azdotest.Fake) {
			r.Trigger, r.Comment = events.TriggerComment, &events.CommentRef{CommentID: 1, Content: "/azreviewer review", Edited: true}
		}, worker.SkipNoCommand, "edited", nil},
		{"azreviewer's own comment", func(r *events.ReviewRequest, _ *azdotest.Fake) {
			r.Trigger, r.Comment = events.TriggerComment, &events.CommentRef{CommentID: 1, Content: "/azreviewer help", AuthorID: strings.ToUpper(azdotest.User().ID)}
		}, worker.SkipOwnComment, "own", []string{"WhoAmI"}},
		{"pull request abandoned", func(_ *events.ReviewRequest, az *azdotest.Fake) {
			az.PullRequestValue.Status = azdo.PullRequestAbandoned
		}, worker.SkipNotActive, "abandoned", []string{"PullRequest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupFake(t, base, head)
			tt.change(b.req, b.az)
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeSkipped, rep.Outcome)
			require.Equal(t, tt.wantCode, rep.SkipCode)
			require.Contains(t, rep.Reason, tt.wantIn)
			require.Equal(t, tt.wantCalls, b.az.Calls)
		})
	}
}

// TestThreadBudget: at most MaxThreads findings have a thread, the most
// severe first; a finding already posted keeps its thread and its place;
// new threads are written in the reviewers' order, and the rest are
// counted in the summary by severity.
func TestThreadBudget(t *testing.T) {
	t.Parallel()
	sevs := []reviewer.Severity{reviewer.SeverityInfo, reviewer.SeverityError, reviewer.SeverityWarning, reviewer.SeverityError}
	tests := []struct {
		name  string
		limit int
		// posted are the indexes of findings with a thread already.
		posted      []int
		wantCreated []int
		wantAlready int
		wantSummary string
	}{
		{"room for all", 4, nil, []int{0, 1, 2, 3}, 0, ""},
		{"errors first, then the warning", 3, nil, []int{1, 2, 3}, 0, "**1 more finding not posted** (at most 3 threads per review, the most severe first): 1 info."},
		{"errors only", 2, nil, []int{1, 3}, 0, "**2 more findings not posted** (at most 2 threads per review, the most severe first): 1 warning, 1 info."},
		{"a posted error takes its place", 2, []int{1}, []int{3}, 1, "**2 more findings not posted** (at most 2 threads per review, the most severe first): 1 warning, 1 info."},
		{"a posted info keeps its thread, after the errors", 2, []int{0}, []int{1, 3}, 1, "**1 more finding not posted** (at most 2 threads per review, the most severe first): 1 warning."},
		{"posted threads are kept beyond the limit", 1, []int{2, 0}, []int{1}, 2, "**1 more finding not posted** (at most 1 threads per review, the most severe first): 1 error."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := fixedReviewer{path: "/a.txt", severities: sevs}
			base, head := fixedFiles(len(sevs))
			fps := fingerprints(t, r, head)
			b := setupFake(t, base, head, func(az *azdotest.Fake, wc *worker.Config) {
				wc.Reviewers, wc.MaxThreads = []reviewer.Reviewer{r}, tt.limit
				for i, f := range tt.posted {
					az.ThreadsValue = append(az.ThreadsValue, findingThread(i+1, fps[f], sevs[f], azdo.ThreadActive))
				}
			})
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			var created []int
			var summary string
			for _, th := range b.az.Created {
				if s := th.Properties[worker.PropSummary]; s != "" {
					summary = th.FirstComment()
					continue
				}
				i := indexOf(fps, th.Properties[worker.PropFingerprint])
				require.NotEqual(t, -1, i, "a thread of a finding")
				require.Equal(t, "/a.txt", th.FilePath)
				require.Equal(t, azdo.Position{Line: i + 1, Offset: 1}, th.Start, "anchored to the finding's line")
				require.Equal(t, 1, th.Iteration)
				created = append(created, i)
			}
			require.Equal(t, tt.wantCreated, created)
			require.Equal(t, len(tt.wantCreated), rep.ThreadsPosted)
			require.Equal(t, tt.wantAlready, rep.AlreadyPosted)
			require.Equal(t, len(sevs)-len(tt.wantCreated)-tt.wantAlready, rep.NotPosted)
			if tt.wantSummary == "" {
				require.NotContains(t, summary, "not posted")
			} else {
				require.Contains(t, summary, tt.wantSummary)
			}
		})
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestResolveDecisions: a finding thread whose finding is gone is marked
// fixed while it is open; one the author closed or marked won't-fix is
// left alone, and nothing is resolved when a reviewer failed.
func TestResolveDecisions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      azdo.ThreadStatus
		deleted     bool
		failing     bool
		wantResolve bool
	}{
		{"active", azdo.ThreadActive, false, false, true},
		{"pending", azdo.ThreadPending, false, false, true},
		{"won't fix", azdo.ThreadWontFix, false, false, false},
		{"closed", azdo.ThreadClosed, false, false, false},
		{"deleted", azdo.ThreadActive, true, false, false},
		{"a reviewer failed", azdo.ThreadActive, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, head := fixedFiles(1)
			b := setupFake(t, base, head, func(az *azdotest.Fake, wc *worker.Config) {
				wc.Reviewers = []reviewer.Reviewer{fixedReviewer{path: "/a.txt"}}
				if tt.failing {
					wc.Reviewers = append(wc.Reviewers, failingReviewer{})
				}
				gone := findingThread(7, "fingerprint-of-a-finding-now-gone", reviewer.SeverityError, tt.status)
				gone.Deleted = tt.deleted
				az.ThreadsValue = []azdo.Thread{gone}
			})
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			var want []azdotest.ThreadStatusUpdate
			if tt.wantResolve {
				want = []azdotest.ThreadStatusUpdate{{ThreadID: 7, Status: azdo.ThreadFixed}}
			}
			require.Equal(t, want, b.az.ThreadStatuses)
			require.Equal(t, len(want), rep.Resolved, "confirmed by the read-back")
		})
	}
}

// TestWritesVerifiedByReadBack: writes Azure DevOps acknowledges but does
// not keep are dropped, a permanent failure that names them; the status is
// judged by the threads that are there.
func TestWritesVerifiedByReadBack(t *testing.T) {
	t.Parallel()
	b := setupFake(t, base, head, func(az *azdotest.Fake, _ *worker.Config) { az.DropWrites = true })
	rep, err := b.worker.Review(context.Background(), b.req)
	var dropped *worker.DroppedWritesError
	require.ErrorAs(t, err, &dropped)
	require.True(t, events.IsPermanent(err))
	require.Equal(t, worker.OutcomeFailed, rep.Outcome)
	require.Equal(t, worker.WriteCounts{Dropped: 2}, rep.Writes)
	require.Len(t, b.az.Created, 2, "a finding thread and the summary were sent")
	require.Len(t, b.az.Statuses, 1)
	require.Equal(t, "No open findings at error or above (0 open in all)", b.az.Statuses[0].Description, "judged by the read-back")
	require.Len(t, b.az.Explained, 1, "the failure is explained once")
}

// TestStatusFollowsOpenFindings: the status azreviewer/review is judged by
// the threads read back, the open ones at or above the blocking severity.
func TestStatusFollowsOpenFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		sevs      []reviewer.Severity
		failing   bool
		wantState azdo.StatusState
		wantDesc  string
	}{
		{"no findings", nil, false, azdo.StatusSucceeded, "No open findings at error or above (0 open in all)"},
		{"a warning", []reviewer.Severity{reviewer.SeverityWarning}, false, azdo.StatusSucceeded, "No open findings at error or above (1 open in all)"},
		{"an error", []reviewer.Severity{reviewer.SeverityWarning, reviewer.SeverityError}, false, azdo.StatusFailed, "1 open finding at error or above"},
		{"a reviewer failed", nil, true, azdo.StatusError, "Review incomplete: 1 reviewer failed (flaky); findings may be missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base, head := fixedFiles(2)
			b := setupFake(t, base, head, func(_ *azdotest.Fake, wc *worker.Config) {
				wc.Reviewers = []reviewer.Reviewer{fixedReviewer{path: "/a.txt", severities: tt.sevs}}
				if tt.failing {
					wc.Reviewers = append(wc.Reviewers, failingReviewer{})
				}
			})
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			require.Equal(t, string(tt.wantState), rep.Status)
			require.Equal(t, []azdo.Status{{ID: 1, Genre: worker.StatusGenre, Name: worker.StatusName, State: tt.wantState,
				Description: tt.wantDesc, Iteration: 1}}, b.az.Statuses)
		})
	}
}

// TestIdentityLookupRetriedThenKept: comment commands handled at once
// while WhoAmI fails each fail and each try it; once it answers, it is
// called once more and the answer kept. (The race regression of the
// cached identity is TestIdentityLookupIsSafeConcurrently, on the
// simulator: the fake's own lock orders its callers, which hides races
// from -race.)
func TestIdentityLookupRetriedThenKept(t *testing.T) {
	t.Parallel()
	const commands = 8
	b := setupFake(t, base, head, func(az *azdotest.Fake, _ *worker.Config) {
		az.IdentityError = &azdo.Error{Kind: azdo.KindTransient, StatusCode: 500, Message: "down"}
		az.ThreadsValue = []azdo.Thread{{ID: 1, Status: azdo.ThreadActive, Comments: []azdo.Comment{{ID: 1}}}}
	})
	command := func() *events.ReviewRequest {
		req := *b.req
		req.Trigger = events.TriggerComment
		req.Comment = &events.CommentRef{ThreadID: 1, CommentID: 1, AuthorID: "someone", Content: "/azreviewer help"}
		return &req
	}
	var wg sync.WaitGroup
	errs := make([]error, commands)
	for i := range commands {
		wg.Go(func() { _, errs[i] = b.worker.Review(context.Background(), command()) })
	}
	wg.Wait()
	for _, err := range errs {
		var e *azdo.Error
		require.True(t, errors.As(err, &e), "the identity lookup failed: %v", err)
	}
	require.Equal(t, commands, b.az.Count("WhoAmI"))

	b.az.IdentityError = nil // no review runs now
	for range 2 {
		rep, err := b.worker.Review(context.Background(), command())
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeCommand, rep.Outcome)
	}
	require.Equal(t, commands+1, b.az.Count("WhoAmI"), "read once, then kept")
	require.Len(t, b.az.Replies, 2)
}

// TestSummaryIsUpdatedInPlace: the pull request has one summary; a review
// of another iteration rewrites its text in place with one write (the key
// it is of is the review state's, not a second write to the thread's
// properties), a review of the same iteration and commit leaves it, and an
// update Azure DevOps acknowledges but does not keep is found dropped by
// the read-back.
func TestSummaryIsUpdatedInPlace(t *testing.T) {
	t.Parallel()
	key := "1@" + azdotest.HeadCommit
	earlier := "1@0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name        string
		key         string
		drop        bool
		wantUpdated bool
	}{
		{"of an earlier iteration", earlier, false, true},
		{"of this iteration", key, false, false},
		{"update dropped", earlier, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupFake(t, base, head, func(az *azdotest.Fake, _ *worker.Config) {
				az.ThreadsValue = []azdo.Thread{{ID: 3, Status: azdo.ThreadClosed, Comments: []azdo.Comment{{ID: 1, Content: "old summary"}},
					Properties: map[string]string{worker.PropSummary: tt.key}}}
			})
			b.az.DropWrites = tt.drop
			rep, err := b.worker.Review(context.Background(), b.req)
			if tt.drop {
				var dropped *worker.DroppedWritesError
				require.ErrorAs(t, err, &dropped)
				require.Positive(t, rep.Writes.Dropped)
			} else {
				require.NoError(t, err)
			}
			for _, th := range b.az.Created {
				require.Empty(t, th.Properties[worker.PropSummary], "no second summary")
			}
			require.Equal(t, tt.wantUpdated, rep.SummaryPosted)
			require.Empty(t, b.az.PropertyUpdates, "the summary's text is its one write")
			if tt.key == key {
				require.Empty(t, b.az.CommentUpdates)
				return
			}
			require.Len(t, b.az.CommentUpdates, 1)
			require.Equal(t, 3, b.az.CommentUpdates[0].ThreadID)
			require.Equal(t, 1, b.az.CommentUpdates[0].CommentID)
			require.Contains(t, b.az.CommentUpdates[0].Content, "Reviewed iteration 1")
		})
	}
}

// TestConfigCommentFollowsTheFile: while .azreviewer.yaml on the target
// branch is invalid, one comment says so, posted once and kept in step;
// once the file is valid, the comment's thread is resolved.
func TestConfigCommentFollowsTheFile(t *testing.T) {
	t.Parallel()
	const invalid = "version: 3\n"
	tests := []struct {
		name string
		// file is .azreviewer.yaml on the target branch ("": none).
		file string
		// earlier is the text of a comment about the file posted before
		// ("": none).
		earlier     string
		wantCreated bool
		wantUpdated bool
		wantFixed   bool
	}{
		{name: "invalid: posted", file: invalid, wantCreated: true},
		{name: "invalid, already said: nothing", file: invalid, earlier: "same"},
		{name: "invalid, said otherwise: updated", file: invalid, earlier: repoconfig.ErrorCommentMarker + "\nan older problem", wantUpdated: true},
		{name: "fixed: resolved", file: "version: 1\n", earlier: repoconfig.ErrorCommentMarker + "\nan older problem", wantFixed: true},
		{name: "none: nothing", earlier: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			target := maps.Clone(base)
			if tt.file != "" {
				target["/.azreviewer.yaml"] = tt.file
			}
			b := setupFake(t, target, head)
			if tt.earlier == "same" {
				// What the worker posted for this file before.
				first := setupFake(t, target, head)
				_, err := first.worker.Review(context.Background(), first.req)
				require.NoError(t, err)
				tt.earlier = configComment(t, first.az.Created)
			}
			if tt.earlier != "" {
				b.az.ThreadsValue = []azdo.Thread{{ID: 4, Status: azdo.ThreadActive, Comments: []azdo.Comment{{ID: 1, Content: tt.earlier}}}}
			}
			_, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			created := configComment(t, b.az.Created)
			require.Equal(t, tt.wantCreated, created != "", "a comment created: %q", created)
			if tt.wantCreated {
				require.Contains(t, created, "version: 3 is not supported")
			}
			require.Equal(t, tt.wantUpdated, len(b.az.CommentUpdates) == 1, "updates: %v", b.az.CommentUpdates)
			var fixed []azdotest.ThreadStatusUpdate
			if tt.wantFixed {
				fixed = []azdotest.ThreadStatusUpdate{{ThreadID: 4, Status: azdo.ThreadFixed}}
			}
			require.Equal(t, fixed, b.az.ThreadStatuses)
		})
	}
}

// configComment is the text of the comment about .azreviewer.yaml among
// threads ("": none).
func configComment(t *testing.T, threads []azdo.Thread) string {
	t.Helper()
	var out string
	for _, th := range threads {
		if strings.HasPrefix(th.FirstComment(), repoconfig.ErrorCommentMarker) {
			require.Empty(t, out, "one comment about the file")
			require.Equal(t, azdo.ThreadActive, th.Status)
			out = th.FirstComment()
		}
	}
	return out
}

// TestSummaryKept: the read-back of a summary updated in place tells a
// kept update (the text sent, or its headline with the rest normalised or
// cut) from a dropped one (the old text, or another headline when the old
// text was not read).
func TestSummaryKept(t *testing.T) {
	t.Parallel()
	sent := "### azreviewer\n\nReviewed iteration 3 (`abcdef12`): 1 finding in 2 changed files.\n\nmore"
	old := "### azreviewer\n\nReviewed iteration 2 (`12345678`): no findings in 1 changed file.\n"
	tests := []struct {
		name, kept, old string
		want            bool
	}{
		{"as sent", sent, old, true},
		{"cut after the headline", sent[:len(sent)-4], old, true},
		{"still the old text", old, old, false},
		{"old text not read, another headline", old, "", false},
		{"old text not read, the headline sent", sent + " (edited)", "", true},
		{"old text not read, cut in the headline", sent[:40], "", true},
		{"old text known, cut", sent[:40], old, true},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, worker.SummaryKept(tt.kept, tt.old, sent), tt.name)
	}
}
