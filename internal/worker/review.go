package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Coordinator serializes reviews of one pull request across workers and
// remembers what was reviewed. *coordination.Store implements it.
type Coordinator interface {
	// Acquire takes the pull request's lease or returns coordination.ErrLeaseHeld.
	coordination.Acquirer
	// LoadReview and SaveReview keep a pull request's review state;
	// LoadReviewed reads it without its thread index.
	LoadReview(ctx context.Context, key string) (coordination.ReviewState, error)
	LoadReviewed(ctx context.Context, key string) (coordination.ReviewState, error)
	SaveReview(ctx context.Context, key string, st coordination.ReviewState) error
	// LoadState and SaveState keep other values (the sweep's time).
	LoadState(ctx context.Context, key string) ([]byte, bool, error)
	SaveState(ctx context.Context, key string, data []byte) error
	// StateEpoch and CreateReview let a review that finds no state skip
	// the thread list of a new pull request (firstReview).
	StateEpoch(ctx context.Context) (time.Time, error)
	CreateReview(ctx context.Context, key string, st coordination.ReviewState) error
}

// loadState is the review state of key (the zero state without a
// Coordinator). A state this worker cannot read is treated as none: the
// review is done in full, which is safe (threads are deduplicated).
func (w *Worker) loadState(ctx context.Context, key string) (coordination.ReviewState, error) {
	return w.loadStateOf(ctx, key, true)
}

// loadReviewed is loadState without the thread index, for the checks of
// what was reviewed (the gate, the sweep).
func (w *Worker) loadReviewed(ctx context.Context, key string) (coordination.ReviewState, error) {
	return w.loadStateOf(ctx, key, false)
}

func (w *Worker) loadStateOf(ctx context.Context, key string, withIndex bool) (coordination.ReviewState, error) {
	if w.cfg.Coordinator == nil {
		return coordination.ReviewState{}, nil
	}
	load := w.cfg.Coordinator.LoadReviewed
	if withIndex {
		load = w.cfg.Coordinator.LoadReview
	}
	st, err := load(ctx, key)
	if errors.Is(err, coordination.ErrUnreadableState) {
		w.cfg.Logger.WarnContext(ctx, "unreadable review state ignored", "key", key, "error", err)
		return coordination.ReviewState{}, nil
	}
	return st, err
}

// saveState stores the review state of key (nothing without a Coordinator).
func (w *Worker) saveState(ctx context.Context, key string, st coordination.ReviewState) error {
	if w.cfg.Coordinator == nil {
		return nil
	}
	return w.cfg.Coordinator.SaveReview(ctx, key, st)
}

// acquire waits for the pull request's lease for at most LeaseWait
// (coordination.ErrLeaseBusy then: the consume loop's growing backoff
// applies). The consume loop keeps the message alive meanwhile. It returns
// a release function and a context cancelled if the lease is lost.
func (w *Worker) acquire(ctx context.Context, key string) (context.Context, func(), error) {
	if w.cfg.Coordinator == nil {
		return ctx, func() {}, nil
	}
	return coordination.Hold(ctx, w.cfg.Coordinator, key, w.hold())
}

// hold is how the worker holds leases.
func (w *Worker) hold() coordination.HoldConfig {
	return coordination.HoldConfig{Wait: w.cfg.LeaseWait, Refresh: w.cfg.LeaseRefresh, Logger: w.cfg.Logger}
}

// review runs one review request through the pipeline's phases (see
// reviewRun). delivery is the message's delivery count (0: not known).
func (w *Worker) review(ctx context.Context, req *events.ReviewRequest, delivery uint64) (Report, error) {
	r := &reviewRun{
		w: w, req: req,
		ref:      azdo.PullRequestRef{Project: req.ProjectID, RepositoryID: req.RepositoryID, ID: req.PullRequestID},
		key:      coordination.Key(req.RepositoryID, req.PullRequestID),
		forced:   req.Trigger == events.TriggerComment,
		delivery: delivery,
	}
	return r.execute(ctx)
}

// reviewRun is one review request on its way through the pipeline. Its
// phases are methods named after them, run in this order by execute:
//
//   - gate: is a review needed at all (organisation, comment command, a
//     commit already reviewed)?
//   - lease: one review of a pull request at a time across workers.
//   - load: the state again, the pull request and its newest iteration.
//   - diff: the changed files, the repository's configuration, the diffs.
//   - review: the reviewers' findings.
//   - post: threads, resolutions, the configuration comment, the summary.
//   - verify: the read-back of every write, and the status.
//   - remember: what was reviewed, for the next request.
//
// A phase that ends the request returns the Report of a skip or an error;
// the others record what they found in the fields below, which the later
// phases read. The Report of a review is built from those fields and from
// what post and verify return.
type reviewRun struct {
	w   *Worker
	req *events.ReviewRequest
	ref azdo.PullRequestRef
	key string
	// forced: a comment command asked for this review, which skips nothing
	// already reviewed.
	forced bool
	// delivery is the message's delivery count (0: not known).
	delivery uint64

	// state is what was remembered of the pull request (gate, then load
	// under the lease); newest, the newest iteration when the gate's push
	// check read it (0: not read).
	state  coordination.ReviewState
	newest int
	// checked: the newest iteration was read for the push check
	// (pushedSince).
	checked bool
	// position is the review stream's, read just before the iterations
	// (nil: not read; see order.go).
	position *streams.Position
	// load: the pull request, its iterations, the newest one.
	pr         azdo.PullRequest
	iterations []azdo.Iteration
	latest     azdo.Iteration
	// diff: the iteration an incremental review compares with (0: the
	// common commit), the changes read and those MaxFiles left out, the
	// repository's configuration (invalid: why its file was not used) and
	// the diffs.
	since   int
	changes []azdo.Change
	// bases: the common commit's versions the state names for an
	// incremental review (nil: read by path), and those the next one can
	// rely on (remember saves them).
	bases     baseBlobs
	nextBases *coordination.BaseVersions
	cut       []reviewer.SkippedFile
	config    repoconfig.Config
	invalid   error
	files     []reviewer.FileDiff
	// heads are the head versions the reviewers read (headsFor).
	heads *headFiles
	// threads: what post and verify know of azreviewer's threads (see
	// threadView).
	threads threadView
	// marked: the state's mark of a post under way is written
	// (firstReview), which begin then leaves as it is.
	marked bool
	// watched is the state's Watched after this review's turn of the
	// dismissed blocking threads (closedToRead).
	watched int
	// review: the findings an earlier won't-fix suppressed (suppress.go),
	// and all the reviewers reported, before the configuration and the
	// rules ignored on the pull request left some out: none of these is
	// gone (resolver).
	suppressed []suppressed
	found      []reviewer.Finding
}

// execute runs the phases in order; the first that ends the request ends
// it there.
func (r *reviewRun) execute(ctx context.Context) (Report, error) {
	if rep, err := r.gate(ctx); ended(rep, err) {
		return rep, err
	}
	ctx, release, err := r.lease(ctx)
	if err != nil {
		return Report{}, err
	}
	defer release()
	if rep, err := r.load(ctx); ended(rep, err) {
		return rep, err
	}
	if err := r.diff(ctx); err != nil {
		return r.report(), err
	}
	result, notes := r.review(ctx)
	if ctx.Err() != nil {
		return r.report().withResult(result), context.Cause(ctx)
	}
	ws := &writes{tracer: r.w.tracer, az: r.w.write, ref: r.ref}
	defer ws.endAll()
	p, postErr := r.post(ctx, ws, result, notes)
	v, verifyErr := r.verify(ctx, ws, result, postErr == nil)
	rep := r.report().withResult(result).withWrites(p, v)
	switch {
	case postErr != nil:
		return rep, postErr
	case verifyErr != nil:
		return rep, verifyErr
	}
	r.remember(ctx)
	return rep, nil
}

// ended reports whether a phase ended the request: with an error, or with
// a report (a skip, a command answered).
func ended(rep Report, err error) bool { return err != nil || rep.Outcome != "" }

// gate ends the requests that need no review before the lease is waited
// for: an event of another organisation, a comment that is no command (or
// answers one), and a commit already reviewed — unless a push made a newer
// iteration of it (pushedSince).
func (r *reviewRun) gate(ctx context.Context) (Report, error) {
	req := r.req
	if req.OrgURL != "" && servicehooks.NormalizeOrgURL(req.OrgURL) != servicehooks.NormalizeOrgURL(r.w.cfg.OrgURL) {
		return skip(SkipOtherOrg, "event is for organisation %s, which this worker is not configured for", req.OrgURL)
	}
	if r.forced {
		if rep, review, err := r.w.command(ctx, req); err != nil || !review {
			return rep, err
		}
	}
	var err error
	if r.state, err = r.w.loadReviewed(ctx, r.key); err != nil {
		return Report{}, err
	}
	if !r.covered() {
		return Report{}, nil
	}
	if r.ordered() {
		return r.skipReviewed(ctx, "commit %s was already reviewed (iteration %d is the newest reviewed; its iterations were read when the stream was at sequence %d, after this event's %d)",
			shortSHA(req.SourceCommit), r.state.Iteration, r.state.Seen.Sequence, req.Delivery.Sequence)
	}
	if err = r.checkPushed(ctx); err != nil {
		return Report{}, err
	}
	if r.covered() {
		return r.skipReviewed(ctx, "commit %s was already reviewed (iteration %d is the newest reviewed)", shortSHA(req.SourceCommit), r.state.Iteration)
	}
	return Report{}, nil
}

// checkPushed reads the newest iteration for a push event (pushedSince;
// no call for another event).
func (r *reviewRun) checkPushed(ctx context.Context) error {
	var err error
	r.newest, err = r.w.pushedSince(ctx, r.ref, r.req, r.state)
	r.checked = err == nil && r.req.Trigger == events.TriggerUpdated
	return err
}

// covered reports whether the request's commit is among those reviewed and
// no newer iteration is known: the request is superseded.
func (r *reviewRun) covered() bool {
	return !r.forced && r.state.Covers(r.req.SourceCommit) && r.newest <= r.state.Iteration
}

// lease waits for the pull request's lease; the returned context ends if
// the lease is lost.
func (r *reviewRun) lease(ctx context.Context) (context.Context, func(), error) {
	return r.w.acquire(ctx, r.key)
}

// load reads the state again under the lease — the review this request
// waited for may have covered it — then the pull request, which must be
// active, and its iterations; the newest iteration, if it is the one
// reviewed last, ends the request.
func (r *reviewRun) load(ctx context.Context) (Report, error) {
	var err error
	if r.state, err = r.w.loadState(ctx, r.key); err != nil {
		return Report{}, err
	}
	if r.covered() && !r.ordered() && !r.checked {
		// The commit was not among those reviewed when the gate looked:
		// the review waited for covered it, but the branch may have been
		// pushed back to it after that review read its iterations.
		if err = r.checkPushed(ctx); err != nil {
			return Report{}, err
		}
	}
	if r.covered() {
		return r.skipReviewed(ctx, "commit %s was reviewed while this request waited (iteration %d is the newest reviewed)", shortSHA(r.req.SourceCommit), r.state.Iteration)
	}
	if r.pr, err = r.w.read.PullRequest(ctx, r.ref); err != nil {
		return Report{}, err
	}
	if r.pr.Status != "" && r.pr.Status != azdo.PullRequestActive {
		rep, err := skip(SkipNotActive, "pull request is %s", r.pr.Status)
		rep.Repository = r.pr.RepositoryName
		return rep, err
	}
	r.readPosition(ctx)
	if r.iterations, err = r.w.read.Iterations(ctx, r.ref); err != nil {
		return Report{Repository: r.pr.RepositoryName}, err
	}
	if len(r.iterations) == 0 {
		return Report{Repository: r.pr.RepositoryName}, fmt.Errorf("pull request %d has no iterations", r.ref.ID)
	}
	r.latest = r.iterations[len(r.iterations)-1]
	if r.latest.CommonCommit == "" || r.latest.SourceCommit == "" {
		return r.report(), fmt.Errorf("iteration %d lacks its common or source commit", r.latest.ID)
	}
	if !r.forced && r.state.Iteration == r.latest.ID && r.state.SourceCommit == r.latest.SourceCommit {
		rep, err := skip(SkipAlreadyReviewed, "iteration %d is already reviewed", r.state.Iteration)
		rep.Repository, rep.Iteration = r.pr.RepositoryName, r.state.Iteration
		return rep, err
	}
	return Report{}, nil
}

// diff lists the changed files — on an incremental review only those
// changed since the last reviewed iteration, each still diffed against the
// common commit — cuts them at MaxFiles, reads .azreviewer.yaml, and
// diffs every file.
func (r *reviewRun) diff(ctx context.Context) error {
	if !r.forced && r.state.Iteration > 0 && r.state.Iteration < r.latest.ID {
		r.since = r.state.Iteration
	}
	changes, err := r.w.read.IterationChanges(ctx, r.ref, r.latest.ID, r.since)
	if err != nil {
		return err
	}
	r.bases = knownBases(r.state, r.since, r.latest.CommonCommit)
	r.nextBases = nextBases(changes, r.bases, r.since == 0, r.latest.ID, r.latest.CommonCommit)
	if limit := r.w.cfg.MaxFiles; len(changes) > limit {
		for _, ch := range changes[limit:] {
			r.cut = append(r.cut, reviewer.SkippedFile{Path: ch.Path, Reason: fmt.Sprintf("more than %d changed files", limit)})
		}
		changes = changes[:limit]
	}
	r.changes = changes
	if r.config, r.invalid, err = r.w.repoConfig(ctx, r.ref, cmp.Or(r.pr.ProjectName, r.req.ProjectName), r.latest, r.pr.TargetRef); err != nil {
		return err
	}
	r.heads = r.w.headsFor(r.ref, r.latest.SourceCommit, r.config)
	r.files, err = r.w.diffFiles(ctx, r.ref, r.changes, r.latest.CommonCommit, r.latest.SourceCommit, r.since == 0, r.bases, r.heads)
	return err
}

// review runs the reviewers the configuration enables over the diffs, in
// their share of the review's time (reviewersContext), and returns their
// result, the findings filtered by the configuration and by the rules
// ignored on this pull request, with what the reviewers want said in the
// summary.
func (r *reviewRun) review(ctx context.Context) (reviewer.Result, []string) {
	input, excluded := r.config.Filter(&reviewer.PullRequest{Title: r.pr.Title, Description: r.pr.Description, Files: r.files})
	reviewers := r.w.reviewersFor(r.config, r.heads)
	r.modelContext(ctx, reviewers)
	rctx, cancel := r.w.reviewersContext(ctx)
	defer cancel()
	result := reviewer.Run(rctx, input, reviewers...)
	r.heads.release()
	r.found = result.Findings
	result.Findings = r.config.Apply(slices.DeleteFunc(slices.Clone(result.Findings), func(f reviewer.Finding) bool { return slices.Contains(r.state.IgnoredRules, f.Rule) }))
	result.Skipped = append(append(result.Skipped, excluded...), r.cut...)
	result.Findings, r.suppressed = r.suppress(ctx, result.Findings)
	return result, append(notes(reviewers), r.config.Describe())
}

// remember saves what was reviewed: the iteration, its commit, every
// iteration's source commit, and the index of azreviewer's threads as the
// review left them (threadView.index), which clears the mark begin set.
func (r *reviewRun) remember(ctx context.Context) {
	covered := make([]string, 0, len(r.iterations))
	for _, it := range r.iterations {
		if it.SourceCommit != "" {
			covered = append(covered, it.SourceCommit)
		}
	}
	st := coordination.ReviewState{Iteration: r.latest.ID, SourceCommit: r.latest.SourceCommit, Covered: covered,
		IgnoredRules: r.state.IgnoredRules, ReviewedAt: time.Now().UTC(), Bases: r.nextBases, Seen: r.seen(), Watched: r.watched}
	r.threads.save(&st)
	if err := r.w.saveState(ctx, r.key, st); err != nil {
		// The threads are posted; a lost state only costs a redundant
		// review later, which posts nothing twice: the state saved by
		// begin still says a post was under way.
		r.w.cfg.Logger.WarnContext(ctx, "review state not saved", "key", r.key, "error", err)
	}
}

// report is the Report of a review of the newest iteration, as far as it
// went: the pull request, the iteration and the files read.
func (r *reviewRun) report() Report {
	return Report{Outcome: OutcomeReviewed, Repository: r.pr.RepositoryName, Iteration: r.latest.ID, Since: r.since, FilesReviewed: len(r.files)}
}

// withResult adds the reviewers' result to rep.
func (rep Report) withResult(result reviewer.Result) Report {
	rep.Findings, rep.SkippedFiles, rep.ReviewerErrors = len(result.Findings), len(result.Skipped), len(result.Failed)
	return rep
}

// withWrites adds what post wrote and verify confirmed to rep.
func (rep Report) withWrites(p posting, v verified) Report {
	rep.AlreadyPosted, rep.NotPosted, rep.Untouched = p.already, p.left(), p.untouched
	rep.Writes, rep.ThreadsPosted, rep.Resolved, rep.SummaryPosted, rep.Status = v.writes, v.threads, v.resolved, v.summary, v.status
	rep.Reopened = v.reopened
	return rep
}

// reviewersContext is the context the reviewers run in: the review's,
// ending a quarter of the review timeout before the review's deadline, so
// that whatever the reviewers do (slow custom patterns, a slow model) the
// findings of those that finished are still posted in time. A reviewer
// still running then is stopped and listed as failed, with a
// [*ReviewersDeadlineError] as its error.
func (w *Worker) reviewersContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	reserve := w.cfg.ReviewTimeout / 4
	return context.WithDeadlineCause(ctx, deadline.Add(-reserve),
		&ReviewersDeadlineError{Share: w.cfg.ReviewTimeout - reserve, ReviewTimeout: w.cfg.ReviewTimeout})
}

// diffFiles reads the common-commit and head version of every change —
// by blob id in bulk, a handful of calls whatever the number of files (see
// [azdo.Client.ReadFiles]) — and diffs them, up to FetchConcurrency files
// at once; the result keeps the order of changes. With againstBase the
// change types are relative to the common commit (a full review), the
// change's blob ids name both versions and reads known to miss are
// skipped; otherwise (an incremental review, whose changes are relative to
// an earlier iteration) the head is read by its blob id — unless the file
// was deleted since — the common commit's version by its blob id where
// bases tell it (none read for a file bases say is not there), by path
// otherwise, and each file's presence on both sides decides. heads keeps
// the head version of each file diffed (nil: none).
func (w *Worker) diffFiles(ctx context.Context, ref azdo.PullRequestRef, changes []azdo.Change, base, head string, againstBase bool, bases baseBlobs, heads *headFiles) ([]reviewer.FileDiff, error) {
	ctx, span := w.tracer.Start(ctx, "read files", trace.WithAttributes(attribute.Int("azreviewer.files", len(changes))))
	defer span.End()
	files := make([]reviewer.FileDiff, len(changes))
	type read struct {
		i              int
		kind           reviewer.ChangeType
		oldPath        string
		inBase, inHead bool // versions read: base, head
	}
	var reads []read
	var groups [][]azdo.FileVersion
	for i, ch := range changes {
		kind := changeType(ch.ChangeType)
		if ch.Submodule {
			files[i] = reviewer.FileDiff{Path: ch.Path, Change: kind, Skipped: reviewer.SkipSubmodule}
			continue
		}
		oldPath := ch.Path
		if kind == reviewer.ChangeRename && ch.OriginalPath != "" {
			oldPath = ch.OriginalPath
		}
		rd := read{i: i, kind: kind, oldPath: oldPath}
		var g []azdo.FileVersion
		if !againstBase || kind != reviewer.ChangeAdd {
			v := azdo.FileVersion{Path: oldPath, Commit: base}
			read := true
			switch {
			case againstBase:
				v.ObjectID = ch.OriginalObjectID
			case bases != nil:
				if blob, ok := bases.baseOf(ch, kind, oldPath); ok {
					v.ObjectID, read = blob, blob != ""
				}
			}
			if read {
				g, rd.inBase = append(g, v), true
			}
		}
		// A delete, against either side, leaves nothing at the head.
		if kind != reviewer.ChangeDelete {
			g, rd.inHead = append(g, azdo.FileVersion{ObjectID: ch.ObjectID, Path: ch.Path, Commit: head}), true
		}
		reads, groups = append(reads, rd), append(groups, g)
	}
	span.SetAttributes(attribute.Int("azreviewer.file_versions", countVersions(groups)))
	err := w.read.ReadFiles(ctx, ref, groups, w.cfg.FetchConcurrency, func(gi int, got []azdo.FileContent) error {
		rd, ch := reads[gi], changes[reads[gi].i]
		var old, cur azdo.FileContent
		if rd.inBase {
			old, got = got[0], got[1:]
		}
		if rd.inHead {
			cur = got[0]
		}
		kind := rd.kind
		if !againstBase {
			switch {
			case !old.Found && !cur.Found:
				// Added and removed again within the pull request: no diff,
				// but its earlier findings are resolved.
				files[rd.i] = reviewer.FileDiff{Path: ch.Path, Change: reviewer.ChangeDelete}
				return nil
			case !old.Found:
				kind = reviewer.ChangeAdd
			case !cur.Found:
				kind = reviewer.ChangeDelete
			case rd.oldPath != ch.Path:
				kind = reviewer.ChangeRename
			default:
				kind = reviewer.ChangeEdit
			}
		}
		renamedFrom := ""
		if kind == reviewer.ChangeRename {
			renamedFrom = rd.oldPath
		}
		d := reviewer.Diff(ch.Path, renamedFrom, kind, old.Content, cur.Content, w.cfg.Diff)
		if cur.Found && kind != reviewer.ChangeDelete && d.Skipped == "" && !d.Binary {
			heads.keep(d.Path, cur.Content)
		}
		files[rd.i] = d
		return nil
	})
	if err != nil {
		recordFailure(span, err)
		return nil, err
	}
	return files, nil
}

// countVersions is how many file versions groups name.
func countVersions(groups [][]azdo.FileVersion) int {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	return n
}

// changeType maps Azure's change flags ("edit, rename") to the diff model.
func changeType(azure string) reviewer.ChangeType {
	switch {
	case strings.Contains(azure, "delete"):
		return reviewer.ChangeDelete
	case strings.Contains(azure, "rename"):
		return reviewer.ChangeRename
	case strings.Contains(azure, "add"):
		return reviewer.ChangeAdd
	default:
		return reviewer.ChangeEdit
	}
}

// pushedSince is the cheap check of a push event whose commit was already
// reviewed: such an event is usually a duplicate or a late delivery, but
// its payload may name the previous head while the newest iteration has a
// new one, and a force-push back to a reviewed commit, or a retarget, makes
// a new iteration of a reviewed commit that needs its own status. It costs
// one call (the iterations list), for push events (updated) only; it
// returns the newest iteration when that is newer than the one reviewed,
// and 0 otherwise, when the event is to be skipped.
func (w *Worker) pushedSince(ctx context.Context, ref azdo.PullRequestRef, req *events.ReviewRequest, state coordination.ReviewState) (int, error) {
	if req.Trigger != events.TriggerUpdated {
		return 0, nil
	}
	its, err := w.read.Iterations(ctx, ref)
	if err != nil || len(its) == 0 {
		return 0, err
	}
	if latest := its[len(its)-1]; latest.ID > state.Iteration {
		return latest.ID, nil
	}
	return 0, nil
}
