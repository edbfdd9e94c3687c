package worker

import (
	"context"
	"errors"
	"iter"
	"slices"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// threadView is what a review knows of azreviewer's threads on the pull
// request, read one of two ways (loadThreads):
//
//   - in full: the pull request's thread list, as earlier releases always
//     read it (twice: before posting, and to read the writes back);
//   - from the review state's index (coordination.ReviewState.Findings):
//     each finding thread as last seen — its fingerprint, path, severity
//     and whether it was open — with, read by id, only the threads this
//     review may change: an open thread whose finding is gone from a file
//     it judged (to resolve it), the configuration comment when it is
//     live, each thread written (the read-back), and before the status
//     each open thread at or above the blocking severity.
//
// The index is what remember saves; it names every thread azreviewer
// keeps only while every write of the review that saved it was read back.
type threadView struct {
	// full: threads are the whole list, and index is empty.
	full bool
	// threads: in full, the list; otherwise the threads read by id, and
	// the summary as the index knows it (its key, its first comment's id,
	// 1).
	threads []azdo.Thread
	// index are the indexed finding threads; those of an id in threads,
	// or in gone, are superseded by what this review read.
	index []coordination.IndexedThread
	gone  map[int]bool
	// configID is the thread of the configuration comment (0: none),
	// configOpen whether it is active.
	configID   int
	configOpen bool
	// complete: the view names every thread azreviewer keeps on the pull
	// request (false once a read-back failed).
	complete bool
	// listedAt is when the whole list was last read: now when full, else
	// as the state says.
	listedAt time.Time
	// summaryKey is the key of the summary this review wrote or found
	// current ("": none), which its thread's property no longer follows
	// (postSummary).
	summaryKey string
}

// indexed are the index's entries this review did not read, in the
// index's order.
func (v *threadView) indexed() iter.Seq[coordination.IndexedThread] {
	return func(yield func(coordination.IndexedThread) bool) {
		if len(v.index) == 0 {
			return
		}
		read := v.read()
		for _, it := range v.index {
			if !read.has(it.ID) && !yield(it) {
				return
			}
		}
	}
}

// unread appends to out the index's entries this review did not read, in
// the index's order: the runs between those it read, copied whole.
func (v *threadView) unread(out []coordination.IndexedThread) []coordination.IndexedThread {
	read, start := v.read(), 0
	for i, it := range v.index {
		if read.has(it.ID) {
			out = append(out, v.index[start:i]...)
			start = i + 1
		}
	}
	return append(out, v.index[start:]...)
}

// read are the ids of the threads this review read, or found gone.
func (v *threadView) read() idSet {
	ids := make(map[int]bool, len(v.threads)+len(v.gone))
	var mask uint64
	for _, t := range v.threads {
		ids[t.ID], mask = true, mask|1<<(uint(t.ID)%64)
	}
	for id := range v.gone {
		ids[id], mask = true, mask|1<<(uint(id)%64)
	}
	return idSet{ids: ids, mask: mask}
}

// idSet is a few thread ids, asked of every entry of an index of
// thousands: the bit of an id's remainder by 64 in mask says whether ids
// may hold it, and answers most asks without a look-up.
type idSet struct {
	ids  map[int]bool
	mask uint64
}

func (s idSet) has(id int) bool {
	return s.mask&(1<<(uint(id)%64)) != 0 && s.ids[id]
}

// posted are those of fingerprints that azreviewer's finding threads
// carry: a review asks only of its findings' (reviewer.Finding.Fingerprints),
// a handful, not of the thousands of threads the index may hold.
func (v *threadView) posted(fingerprints map[string]bool) map[string]bool {
	posted := make(map[string]bool, len(fingerprints))
	if len(fingerprints) == 0 {
		return posted
	}
	for _, it := range v.index {
		if fingerprints[it.Fingerprint] {
			posted[it.Fingerprint] = true
		}
	}
	for _, t := range v.threads {
		if fp := t.Properties[PropFingerprint]; fp != "" && fingerprints[fp] {
			posted[fp] = true
		}
	}
	return posted
}

// openFindings counts the open finding threads the view knows and those at
// or above threshold.
func (v *threadView) openFindings(threshold reviewer.Severity) (blocking, open int) {
	blocking, open = countOpen(v.threads, threshold)
	for it := range v.indexed() {
		if it.Open {
			open++
			if reviewer.Severity(it.Severity).AtLeast(threshold) {
				blocking++
			}
		}
	}
	return blocking, open
}

// indexedThread is it as a thread: what mayResolve needs to judge it.
func indexedThread(it coordination.IndexedThread) azdo.Thread {
	t := azdo.Thread{ID: it.ID, FilePath: it.Path, Status: azdo.ThreadClosed,
		Properties: map[string]string{PropFingerprint: it.Fingerprint, PropSeverity: it.Severity}}
	if it.Open {
		t.Status = azdo.ThreadActive
	}
	return t
}

// Why a review reads the whole thread list, as recorded on its span
// (azreviewer.threads.full_reason).
const (
	fullNoCoordination = "no_coordination"
	fullCommand        = "comment_command"
	fullRedelivery     = "redelivery"
	fullUnfinished     = "post_unfinished"
	fullNoIndex        = "no_index"
	fullNoState        = "no_state"
	fullReviewBegan    = "review_began"
	fullListPeriod     = "list_period"
	fullManyReads      = "many_reads"
)

// maxReadsByID bounds the threads a review reads one by one; past it one
// read of the list costs less, however many threads the index holds (or a
// pull request's author planted with azreviewer's properties).
const maxReadsByID = 16

// fullReason is why this review must read the whole thread list ("": the
// index will do): without coordination, on /azreviewer review, on a
// redelivery (the last delivery may have died mid-post), after a review
// that did not finish its post, and without an index this version wrote
// (none, an older version's, or one past its bounds — but see
// firstReview), and once ThreadListPeriod has passed since the list was
// last read.
func (r *reviewRun) fullReason() string {
	switch {
	case r.w.cfg.Coordinator == nil:
		return fullNoCoordination
	case r.forced:
		return fullCommand
	case r.delivery > 1:
		return fullRedelivery
	case r.state.Posting:
		return fullUnfinished
	case !r.state.Trusted():
		return fullNoIndex
	case r.listDue():
		return fullListPeriod
	}
	return ""
}

// listDue reports whether ThreadListPeriod has passed since the pull
// request's thread list was last read (a state that does not say: it has).
// Between two such reads a review reads by id only the threads it may
// change, so a person's won't-fix on a thread whose finding is still there
// is learned at most a period late, and the cost of a review stays
// independent of the pull request's history but for one full read per
// period.
func (r *reviewRun) listDue() bool {
	p := r.w.cfg.ThreadListPeriod
	return p > 0 && !r.w.now().Before(r.state.ListedAt.Add(p))
}

// begin marks the state before post's first write: until remember saves
// the review's own state, a later review does not trust the index (the
// worker may die between a write and the save), so the mark is saved
// without one. Without coordination there is nothing to mark.
func (r *reviewRun) begin(ctx context.Context) error {
	if r.w.cfg.Coordinator == nil || r.marked {
		return nil
	}
	return r.w.saveState(ctx, r.key, r.postingMark())
}

// postingMark is the state begin saves.
func (r *reviewRun) postingMark() coordination.ReviewState {
	st := r.state
	st.Posting, st.Indexed, st.Findings = true, false, nil
	return st
}

// firstReview is the reason a review that found no state reads the whole
// thread list ("": it need not). A review marks the state before its first
// write to the pull request (begin), and nothing deletes a state: so no
// state means no review of the fleet ever wrote there, unless the state
// was lost — the bucket deleted or purged — or the review that wrote ran
// code without the mark. The state bucket's epoch
// (coordination.Store.StateEpoch) is since when no state was lost; a pull
// request created later than the epoch plus StateClockSkew (its
// creationDate is by Azure DevOps's clock, the epoch by the NATS
// server's), and within FirstReviewWindow of now, holds no thread of
// azreviewer's: no finding thread, no
// summary, no configuration comment. (The comment commands that may run
// before any review — help, ask, describe, unsuppress — write replies and
// the description thread, none of which a review keeps or changes; ignore,
// which changes a finding thread, saves the state first.) It costs one
// JetStream call, the epoch's, read anew for each such review: a bucket
// lost under a running worker is seen at once. The review then writes its
// mark at once, in place of begin's, only if no state is stored
// (coordination.Store.CreateReview): a review that began meanwhile —
// another worker's, which took the lease over when this worker's expired
// — has written its mark, and the list is read after all (review_began). The
// caller has handled /azreviewer review and redeliveries, which read the
// list whatever the state.
func (r *reviewRun) firstReview(ctx context.Context) (string, error) {
	span := trace.SpanFromContext(ctx)
	created := r.pr.Created
	window := r.w.cfg.FirstReviewWindow
	if r.w.cfg.StateClockSkew < 0 || window < 0 || created.IsZero() || !created.After(r.w.now().Add(-window)) {
		span.SetAttributes(attribute.Bool("azreviewer.threads.new_pull_request", false))
		return fullNoState, nil
	}
	epoch, err := r.w.cfg.Coordinator.StateEpoch(ctx)
	if err != nil {
		if !errors.Is(err, coordination.ErrEpochUntrusted) {
			r.w.cfg.Logger.WarnContext(ctx, "state bucket's epoch not read: the thread list is read", "error", err)
		}
		span.SetAttributes(attribute.Bool("azreviewer.threads.new_pull_request", false))
		return fullNoState, nil
	}
	fresh := created.After(epoch.Add(r.w.cfg.StateClockSkew))
	span.SetAttributes(attribute.Bool("azreviewer.threads.new_pull_request", fresh),
		attribute.String("azreviewer.state.epoch", epoch.Format(time.RFC3339Nano)),
		attribute.String("azdo.pull_request.created", created.Format(time.RFC3339Nano)))
	if !fresh {
		return fullNoState, nil
	}
	err = r.w.cfg.Coordinator.CreateReview(ctx, r.key, r.postingMark())
	switch {
	case errors.Is(err, coordination.ErrStateExists):
		return fullReviewBegan, nil
	case err != nil:
		return "", err
	}
	r.marked = true
	return "", nil
}

// loadThreads reads what post needs of the pull request's threads, in
// full or from the index (see threadView).
func (r *reviewRun) loadThreads(ctx context.Context, result reviewer.Result) error {
	reason := r.fullReason()
	if reason == fullNoIndex && r.state.Absent {
		var err error
		if reason, err = r.firstReview(ctx); err != nil {
			return err
		}
	}
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Bool("azreviewer.threads.full", reason != ""))
	if reason != "" {
		span.SetAttributes(attribute.String("azreviewer.threads.full_reason", reason))
		threads, err := r.w.write.Threads(ctx, r.ref)
		if err != nil {
			return err
		}
		r.threads = threadView{full: true, threads: threads, complete: true, listedAt: r.w.now().UTC()}
		return nil
	}
	if r.marked {
		// A new pull request: the list, were it read, would hold none of
		// azreviewer's threads.
		span.SetAttributes(attribute.Int("azreviewer.threads.indexed", 0), attribute.Int("azreviewer.threads.read", 0))
		r.threads = threadView{gone: map[int]bool{}, complete: true, listedAt: r.w.now().UTC()}
		return nil
	}
	st := r.state
	v := threadView{index: st.Findings, gone: map[int]bool{}, configID: st.Config, configOpen: st.ConfigOpen, complete: true, listedAt: st.ListedAt}
	rs := newResolver(result, r.found, r.changes, r.since > 0)
	var candidates []int
	for _, it := range st.Findings {
		// Only an open thread on a judged file, its finding gone, can be
		// resolved: a cheap test on the entry before building a thread.
		// The index keeps no rule: the thread read by id tells whose it
		// is, and whether its reviewer looked for it (resolvable).
		if !it.Open || rs.current[it.Fingerprint] {
			continue
		}
		if t := indexedThread(it); rs.mayResolveAnyRule(t) {
			candidates = append(candidates, t.ID)
		}
	}
	candidates = append(candidates, r.closedToRead(st.Findings, result)...)
	if len(candidates) > maxReadsByID {
		span.SetAttributes(attribute.Bool("azreviewer.threads.full", true), attribute.String("azreviewer.threads.full_reason", fullManyReads))
		threads, err := r.w.write.Threads(ctx, r.ref)
		if err != nil {
			return err
		}
		r.threads = threadView{full: true, threads: threads, complete: true, listedAt: r.w.now().UTC()}
		return nil
	}
	for _, id := range candidates {
		if err := r.readThread(ctx, &v, id); err != nil {
			return err
		}
	}
	if st.Summary != 0 {
		v.threads = append(v.threads, azdo.Thread{ID: st.Summary, Status: azdo.ThreadClosed,
			Properties: map[string]string{PropSummary: st.SummaryKey}, Comments: []azdo.Comment{{ID: 1}}})
	}
	// The configuration comment is read when it may change: while the
	// file is invalid (its text), and while it is open (to resolve it).
	if st.Config != 0 && (r.invalid != nil || st.ConfigOpen) {
		if err := r.readThread(ctx, &v, st.Config); err != nil {
			return err
		}
		if v.gone[st.Config] {
			v.configID, v.configOpen = 0, false
		}
	}
	span.SetAttributes(attribute.Int("azreviewer.threads.indexed", len(st.Findings)), attribute.Int("azreviewer.threads.read", len(v.threads)))
	r.threads = v
	return nil
}

// readThread reads thread id into the view (into gone when it is not
// there).
func (r *reviewRun) readThread(ctx context.Context, v *threadView, id int) error {
	t, err := r.w.write.Thread(ctx, r.ref, id)
	switch {
	case azdo.IsNotFound(err):
		v.gone[id] = true
	case err != nil:
		return err
	default:
		v.merge([]azdo.Thread{t})
	}
	return nil
}

// merge puts threads read into the view: each replaces the thread of its
// id, or is added.
func (v *threadView) merge(threads []azdo.Thread) {
	for _, t := range threads {
		if i := slices.IndexFunc(v.threads, func(u azdo.Thread) bool { return u.ID == t.ID }); i >= 0 {
			v.threads[i] = t
			continue
		}
		v.threads = append(v.threads, t)
	}
}

// refreshBlocking reads, before the status is judged, each thread the
// index holds open at or above the blocking severity that this review did
// not read: a person may have resolved it by hand since. A thread that
// cannot be read keeps what the index says.
// Past maxReadsByID of them, the list is read once instead.
func (r *reviewRun) refreshBlocking(ctx context.Context) {
	v := &r.threads
	var ids []int
	for it := range v.indexed() {
		if it.Open && reviewer.Severity(it.Severity).AtLeast(r.w.cfg.BlockingSeverity) {
			ids = append(ids, it.ID)
		}
	}
	if len(ids) > maxReadsByID {
		threads, err := r.w.write.Threads(ctx, r.ref)
		if err != nil {
			r.w.cfg.Logger.WarnContext(ctx, "thread list not read for the status; the index's open threads counted as open", "error", err)
			return
		}
		if v.gone == nil {
			v.gone = map[int]bool{}
		}
		for _, id := range ids {
			if i := slices.IndexFunc(threads, func(t azdo.Thread) bool { return t.ID == id }); i >= 0 {
				v.merge(threads[i : i+1])
			} else {
				v.gone[id] = true
			}
		}
		return
	}
	for _, id := range ids {
		if err := r.readThread(ctx, v, id); err != nil {
			r.w.cfg.Logger.WarnContext(ctx, "finding thread not read for the status; counted as open", "thread", id, "error", err)
		}
	}
}

// save writes the view into st as the index the next review reads; a
// view that is not complete leaves st without one.
func (v *threadView) save(st *coordination.ReviewState) {
	st.ListedAt = v.listedAt
	if !v.complete {
		return
	}
	st.Indexed = true
	st.Config, st.ConfigOpen = v.configID, v.configOpen
	st.Findings = v.unread(make([]coordination.IndexedThread, 0, len(v.index)+len(v.threads)))
	for _, t := range v.threads {
		if t.ID == 0 {
			continue
		}
		if fp := t.Properties[PropFingerprint]; fp != "" {
			st.Findings = append(st.Findings, indexEntry(t, fp))
			continue
		}
		if key := t.Properties[PropSummary]; key != "" && st.Summary == 0 {
			st.Summary, st.SummaryKey = t.ID, key
		}
		if t.ID == v.configID {
			st.ConfigOpen = t.Status == azdo.ThreadActive && !t.Deleted
		}
	}
	if st.Summary != 0 && v.summaryKey != "" {
		st.SummaryKey = v.summaryKey
	}
}

// indexEntry is finding thread t, carrying fp, as the index keeps it: an
// open thread with its path and severity, which a review needs to resolve
// it or to judge the status by it; a closed one (fixed, won't fix, ...,
// or deleted) by its fingerprint and id, which keep its finding from being
// posted again, and how it was closed (closedToRead): azreviewer's own
// fixed, which its finding's return reopens, or dismissed by a person,
// with its severity, since a person may reactivate it. Most of a
// long-lived pull request's threads are closed: the index stays about half
// the size.
func indexEntry(t azdo.Thread, fp string) coordination.IndexedThread {
	it := coordination.IndexedThread{Fingerprint: fp, ID: t.ID, Open: t.Status.Open() && !t.Deleted}
	switch {
	case it.Open:
		it.Path, it.Severity = t.FilePath, t.Properties[PropSeverity]
	case t.Deleted:
	case ownFixed(t):
		it.Fixed = true
	case dismissed(t.Status):
		it.Dismissed, it.Severity = true, t.Properties[PropSeverity]
	}
	return it
}

// resolver tells which of azreviewer's threads a review resolves: open
// finding threads whose finding it no longer produces, on a file it
// judged. A full review judges every file it read; an incremental one only
// the files changed since the last review. Nothing is resolved when a
// reviewer failed, and files not reviewed keep theirs. A thread is
// resolved only when a reviewer that ran looked for its rule on its file
// (reviewer.Coverage): the threads of a reviewer switched off in
// .azreviewer.yaml or not configured on this worker, of a rule no longer
// there (a custom rule removed or renamed), on a file outside the rule's
// or the analyzer's paths or that its reviewer left unjudged
// (reviewer.Result.Unjudged: the model's past its limit of requests or of
// a request that failed, an analyzer's past its bounds), and of an unknown
// rule, are left as they are (untouched). A finding the reviewers still
// report but the configuration leaves out (rules.disable, the severity
// threshold, /azreviewer ignore, a won't-fix suppression) is not gone
// either: its thread stays.
type resolver struct {
	none                     bool
	incremental              bool
	current, judged, skipped map[string]bool
	coverage                 reviewer.Coverage
}

// newResolver is the resolver of a review whose reviewers reported found,
// of which result keeps those the configuration lets through.
func newResolver(result reviewer.Result, found []reviewer.Finding, changes []azdo.Change, incremental bool) resolver {
	rs := resolver{none: len(result.Failed) > 0, incremental: incremental,
		current: make(map[string]bool, len(found)+len(result.Findings)), judged: make(map[string]bool, len(changes)),
		skipped: make(map[string]bool, len(result.Skipped)), coverage: result.Coverage()}
	for _, findings := range [][]reviewer.Finding{found, result.Findings} {
		for _, f := range findings {
			for _, fp := range f.Fingerprints() {
				rs.current[fp] = true
			}
		}
	}
	for _, ch := range changes {
		rs.judged[ch.Path] = true
		if ch.OriginalPath != "" {
			rs.judged[ch.OriginalPath] = true
		}
	}
	for _, s := range result.Skipped {
		rs.skipped[s.Path] = true
	}
	return rs
}

// mayResolve reports whether t is to be resolved, as far as what is known
// of it says: its rule (PropRule) among the rest.
func (rs resolver) mayResolve(t azdo.Thread) bool {
	return rs.mayResolveAnyRule(t) && rs.coverage.Judged(t.Properties[PropRule], t.FilePath)
}

// untouched reports whether t would be resolved but that no reviewer of
// the review looked for its rule on its file.
func (rs resolver) untouched(t azdo.Thread) bool {
	return rs.mayResolveAnyRule(t) && !rs.coverage.Judged(t.Properties[PropRule], t.FilePath)
}

// mayResolveAnyRule is mayResolve of a thread whose rule is not known yet
// (an index entry keeps none): false when t is not to be resolved whatever
// its rule; when true, the thread read decides.
func (rs resolver) mayResolveAnyRule(t azdo.Thread) bool {
	fp := t.Properties[PropFingerprint]
	if rs.none || fp == "" || rs.current[fp] || t.ID == 0 || t.Deleted {
		return false
	}
	if !t.Status.Open() {
		return false // the author already closed it, or marked it won't-fix
	}
	return !rs.skipped[t.FilePath] && (!rs.incremental || rs.judged[t.FilePath])
}
