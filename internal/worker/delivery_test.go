package worker_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// coordinated is a worker with real JetStream coordination (lease and
// review state) against the simulator, reading the review stream's
// position from a real stream.
type coordinated struct {
	sim   *azdotest.Sim
	pr    *azdosim.PullRequest
	coord *coordination.Store
	b     *eventstest.Bundle
	new   func(t *testing.T) *worker.Worker
}

func setupCoordinated(t *testing.T, base, head map[string]string) *coordinated {
	t.Helper()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(base, head)
	b := eventstest.Start(t, streams.Config{Memory: true})
	coord, err := coordination.Ensure(context.Background(), b.JS, streams.Config{Memory: true}, coordination.Config{})
	require.NoError(t, err)
	return &coordinated{sim: sim, pr: pr, coord: coord, b: b, new: func(t *testing.T) *worker.Worker {
		client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT})
		require.NoError(t, err)
		w, err := worker.New(worker.Config{
			OrgURL: sim.Org.URL(), Coordinator: coord, LeaseRefresh: 100 * time.Millisecond,
			Positions: streams.NewStreamPositions(b.Stream),
			Logger:    slog.New(slog.DiscardHandler),
		}, client, nil)
		require.NoError(t, err)
		return w
	}}
}

func (c *coordinated) request(trigger events.Trigger, commit string) *events.ReviewRequest {
	return &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: trigger, EventID: "e-" + commit,
		ProjectID: c.sim.Project.ID(), RepositoryID: c.sim.Repo.ID(), PullRequestID: c.pr.ID(), SourceCommit: commit,
	}
}

// publish stores req's message in the review stream, as ingest does, and
// returns req with the delivery the consume loop gives it.
func (c *coordinated) publish(t *testing.T, req *events.ReviewRequest) *events.ReviewRequest {
	t.Helper()
	ctx := context.Background()
	pub, err := events.NewPublisher(c.b.JS, fleet.Names{}).Publish(ctx, req)
	require.NoError(t, err)
	return c.delivered(t, req, pub.Sequence)
}

// delivered is req as the stream's message seq delivers it.
func (c *coordinated) delivered(t *testing.T, req *events.ReviewRequest, seq uint64) *events.ReviewRequest {
	t.Helper()
	raw, err := c.b.Stream.GetMsg(context.Background(), seq)
	require.NoError(t, err)
	out := *req
	out.Delivery = &streams.Delivery{Stream: c.b.Stream.CachedInfo().Config.Name, Sequence: raw.Sequence, Stored: raw.Time}
	return &out
}

// TestAlreadyReviewedCommitsCostNoAzureDevOpsCall: a request for a commit
// already reviewed is skipped. A push event costs no call when its
// message was published before the review read its iterations (the
// stream's order says it is superseded); otherwise — no delivery, a
// message published after that read — its commit is checked against the
// newest iteration (one call). Other events cost none.
func TestAlreadyReviewedCommitsCostNoAzureDevOpsCall(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	w := c.new(t)
	rec := tracetest.NewSpanRecorder()
	w.SetTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test"))
	first := c.pr.Head()
	rep, err := w.Review(context.Background(), c.request(events.TriggerCreated, first))
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeReviewed, rep.Outcome)

	second := c.sim.Repo.Commit(map[string]string{"/a.js": "let a = 1;\nconsole.log(a);\n"})
	c.pr.Push(second)
	// The push's event, and a late one for the first push, are in the
	// stream before the push's review reads the iterations.
	push := c.publish(t, c.request(events.TriggerUpdated, second))
	late := c.publish(t, c.request(events.TriggerUpdated, first))
	rep, err = w.Review(context.Background(), push)
	require.NoError(t, err)
	require.Equal(t, 2, rep.Iteration)
	// A vote published after the review: the same commit, a later message
	// (past the duplicate window, or with an id of its own).
	ack, err := c.b.JS.Publish(context.Background(), push.Subject(fleet.Names{}), mustMarshal(t, push))
	require.NoError(t, err)
	vote := c.delivered(t, c.request(events.TriggerUpdated, second), ack.Sequence)

	tests := []struct {
		name   string
		req    *events.ReviewRequest
		reason string
		// calls is what the skip costs: a push event's commit is checked
		// against the newest iteration (one call) unless the stream's
		// order shows it superseded; other events cost none.
		calls int
		by    string
	}{
		{"the same push redelivered", push, "already reviewed", 0, "stream_order"},
		{"an older push published before the review", late, "already reviewed", 0, "stream_order"},
		{"the same push again from no stream (a direct call)", c.request(events.TriggerUpdated, second), "already reviewed", 1, "newest_iteration"},
		{"a vote or reviewer update published after the review", vote, "already reviewed", 1, "newest_iteration"},
		{"an older push from no stream", c.request(events.TriggerUpdated, first), "already reviewed", 1, "newest_iteration"},
		{"created racing updated for the first push", c.request(events.TriggerCreated, first), "already reviewed", 0, "review_state"},
	}
	for _, tt := range tests {
		before := c.sim.Server.Requests()
		rep, err := w.Review(context.Background(), tt.req)
		require.NoError(t, err, tt.name)
		require.Equal(t, worker.OutcomeSkipped, rep.Outcome, tt.name)
		require.Equal(t, worker.SkipAlreadyReviewed, rep.SkipCode, tt.name)
		require.Contains(t, rep.Reason, tt.reason, tt.name)
		after := c.sim.Server.Requests()[len(before):]
		require.Len(t, after, tt.calls, "%s: Azure DevOps calls", tt.name)
		for _, r := range after {
			require.Equal(t, "git.iterations.list", r.Operation, tt.name)
		}
		spans := rec.Ended()
		review := spans[len(spans)-1]
		require.Equal(t, "review pull request", review.Name())
		require.Equal(t, tt.by, attr(review, "azreviewer.skip_decided_by"), "%s: what showed it reviewed", tt.name)
		ordered := slices.ContainsFunc(review.Events(), func(e sdktrace.Event) bool { return e.Name == "superseded by stream order" })
		require.Equal(t, tt.by == "stream_order", ordered, "%s: the span's event", tt.name)
	}
}

// attr is the value of span's attribute key ("": none).
func attr(span sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range span.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.String()
		}
	}
	return ""
}

func mustMarshal(t *testing.T, req *events.ReviewRequest) []byte {
	t.Helper()
	data, err := req.Marshal()
	require.NoError(t, err)
	return data
}

// TestPushOfAReviewedCommitIsCheckedAgainstTheNewestIteration: a push
// event whose commit was already reviewed is not skipped when the newest
// iteration is newer than the one reviewed — its payload named the
// previous head, or the branch was force-pushed back to a reviewed commit
// — so that iteration is reviewed and gets its own status.
func TestPushOfAReviewedCommitIsCheckedAgainstTheNewestIteration(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	w := c.new(t)
	first := c.pr.Head()
	_, err := w.Review(context.Background(), c.request(events.TriggerCreated, first))
	require.NoError(t, err)

	statuses := func() int { return c.sim.Server.Count("git.statuses.create") }
	steps := []struct {
		name string
		push string // pushed before the event
		sent string // the commit the event's payload names
	}{
		{"a push whose payload still names the previous head", c.sim.Repo.Commit(map[string]string{"/a.js": "let a = 2;\nconsole.log(a);\n"}), first},
		{"a force-push back to the first commit", first, first},
	}
	for i, s := range steps {
		c.pr.Push(s.push)
		before := statuses()
		rep, err := w.Review(context.Background(), c.request(events.TriggerUpdated, s.sent))
		require.NoError(t, err, s.name)
		require.Equal(t, worker.OutcomeReviewed, rep.Outcome, s.name)
		require.Equal(t, i+2, rep.Iteration, "%s: the newest iteration is reviewed", s.name)
		require.Equal(t, before+1, statuses(), "%s: and gets a status", s.name)
	}
}

func TestIncrementalReviewReadsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	base := map[string]string{}
	head := map[string]string{}
	for _, f := range []string{"/a.js", "/b.js", "/c.js", "/d.js", "/e.js"} {
		base[f] = "let x;\n"
		head[f] = "let x;\nconsole.log(x);\n" // a finding in every file
	}
	c := setupCoordinated(t, base, head)
	w := c.new(t)
	rep, err := w.Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
	require.NoError(t, err)
	require.Equal(t, 5, rep.ThreadsPosted)

	// Iteration 2 fixes a.js and adds a finding to b.js; c–e are untouched.
	next := map[string]string{}
	for k, v := range head {
		next[k] = v
	}
	next["/a.js"] = "let x;\n"
	next["/b.js"] = "let x;\nconsole.log(x);\ndebugger;\n"
	commit := c.sim.Repo.Commit(next)
	c.pr.Push(commit)

	items, bulk := c.sim.Server.Count("git.items.get"), c.sim.Server.Count("git.blobs.zip")
	rep, err = w.Review(context.Background(), c.request(events.TriggerUpdated, commit))
	require.NoError(t, err)
	require.Equal(t, 1, rep.Since, "compared with the reviewed iteration")
	require.Equal(t, 2, rep.FilesReviewed, "only a.js and b.js are read")
	require.Zero(t, c.sim.Server.Count("git.items.get")-items, "no read by path: .azreviewer.yaml of this target commit was read by the first review")
	require.Equal(t, 1, c.sim.Server.Count("git.blobs.zip")-bulk, "the two changed files' heads and common-commit versions, in one bulk read")
	require.Equal(t, 1, rep.ThreadsPosted, "the new debugger finding")
	require.Equal(t, 1, rep.AlreadyPosted, "b.js's console.log is already there")
	require.Equal(t, 1, rep.Resolved, "a.js's finding is gone")

	var fixed, active, summaries int
	for _, th := range c.pr.Threads() {
		switch {
		case th.ThreadContext == nil:
			summaries++
			require.Contains(t, *(*th.Comments)[0].Content, "Reviewed iteration 2", "the summary is updated in place")
			require.Contains(t, *(*th.Comments)[0].Content, "the changes since iteration 1")
			require.Contains(t, *(*th.Comments)[0].Content, "1 finding from earlier iterations no longer found")
		case string(*th.Status) == "fixed":
			fixed++
			require.Equal(t, "/a.js", *th.ThreadContext.FilePath)
		default:
			active++
		}
	}
	require.Equal(t, 1, fixed)
	require.Equal(t, 5, active, "b–e's console.log and b's debugger")
	require.Equal(t, 1, summaries, "one summary, updated in place")
	statuses := c.pr.Statuses()
	require.Len(t, statuses, 2, "one status per reviewed iteration")
	last := statuses[len(statuses)-1]
	require.Equal(t, "azreviewer/review", *last.Context.Genre+"/"+*last.Context.Name)
	require.Equal(t, "succeeded", string(*last.State), "warnings do not block")
	require.Equal(t, 2, *last.IterationId)
}

func TestClosedFindingsAreNeverPostedAgain(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	w := c.new(t)
	_, err := w.Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
	require.NoError(t, err)
	for _, th := range c.pr.Threads() {
		if th.ThreadContext != nil {
			c.pr.SetThreadStatus(*th.Id, "wontFix")
		}
	}
	// A forced full re-review (comment command) neither reposts nor resolves it.
	req := c.request(events.TriggerComment, c.pr.Head())
	req.Comment = &events.CommentRef{CommentID: 3, Content: "/azreviewer review"}
	rep, err := w.Review(context.Background(), req)
	require.NoError(t, err)
	require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
	require.Equal(t, 0, rep.ThreadsPosted)
	require.Equal(t, 1, rep.AlreadyPosted)
	require.Equal(t, 0, rep.Resolved)
}

func TestOneReviewAtATimePerPullRequest(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t, map[string]string{"/a.js": "let a;\n"}, map[string]string{"/a.js": "let a;\nconsole.log(a);\n"})
	// Slow writes keep the first review inside its lease.
	c.sim.Server.Delay("git.threads.create", 300*time.Millisecond)
	workers := []*worker.Worker{c.new(t), c.new(t)}
	reports := make([]worker.Report, 2)
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			rep, err := w.Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
			require.NoError(t, err)
			reports[i] = rep
		})
	}
	wg.Wait()
	outcomes := map[worker.Outcome]int{}
	for _, r := range reports {
		outcomes[r.Outcome]++
	}
	require.Equal(t, map[worker.Outcome]int{worker.OutcomeReviewed: 1, worker.OutcomeSkipped: 1}, outcomes,
		"the second worker waits for the lease, then finds the commit reviewed")
	require.Len(t, c.pr.Threads(), 2, "one finding thread and one summary")
}
