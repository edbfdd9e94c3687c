package worker

import (
	"context"
	"fmt"
	"slices"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Reopening: a finding thread azreviewer itself set to fixed (its finding
// was gone) is set active again when a later review finds the finding
// again — the fix reverted, the secret or the conflict markers committed
// again — and counts for the status as any open thread. A thread a person
// closed (won't fix, by design, closed, or fixed by hand) stays as the
// person left it and its finding is not posted again. Only a finding of a
// reviewer that reports the same findings on the same code reopens its
// thread: the rules, the custom rules, the secret scanner, the analyzers.
// A model's (reviewer.Varying) may be reported on one push and not on the
// next; its thread stays fixed, so the status and the thread do not flip
// and no reply is added at every other push.
//
// Azure DevOps records no author of a thread's status change, so
// azreviewer says it itself: it writes PropStatusSet with each status it
// sets on a finding thread, in the same request. A thread is azreviewer's
// own fixed while it is fixed and PropStatusSet says fixed; a person who
// sets another status is seen by the status, and one who reactivates and
// then resolves it again is not (the property stays as azreviewer left
// it): that thread is reopened once, and PropStatusSet then says active,
// so a person's later fixed is respected.

// PropStatusSet is the status azreviewer itself last set on a finding
// thread: fixed when it resolved it, active when it reopened it.
const PropStatusSet = "azreviewer.status_set"

// WriteReopen sets one of azreviewer's fixed threads active again, with a
// reply saying so.
const WriteReopen = "reopen"

// ownFixed reports whether finding thread t is closed as fixed by
// azreviewer itself (see PropStatusSet), not by a person.
func ownFixed(t azdo.Thread) bool {
	return !t.Deleted && t.Status == azdo.ThreadFixed && t.Properties[PropStatusSet] == string(azdo.ThreadFixed)
}

// reopenable are, by fingerprint, the threads of threads that azreviewer
// itself set to fixed: those a current finding reopens.
func reopenable(threads []azdo.Thread) map[string]azdo.Thread {
	var out map[string]azdo.Thread
	for _, t := range threads {
		if fp := t.Properties[PropFingerprint]; fp != "" && t.ID != 0 && ownFixed(t) {
			if out == nil {
				out = map[string]azdo.Thread{}
			}
			out[fp] = t
		}
	}
	return out
}

// dismissed reports whether a thread of status s was closed as a no:
// won't fix, by design or closed.
func dismissed(s azdo.ThreadStatus) bool {
	return s == azdo.ThreadWontFix || s == azdo.ThreadByDesign || s == azdo.ThreadClosed
}

// closedToRead are the ids of the index's closed entries a review reads
// by id with the threads it may resolve (loadThreads), as the thread list
// would show them:
//
//   - azreviewer's own fixed threads whose finding this review produces
//     again (or an earlier won't-fix suppressed, which keeps its thread
//     here): to reopen one, unless a person set another status since; a
//     finding of a reviewer whose findings vary (reviewer.Varying, the
//     model's), which reopens nothing, is read as the other closed ones;
//   - the threads a person dismissed (won't fix, by design, closed) at or
//     above the blocking severity, wherever their finding: a person may
//     have reactivated one, which then counts for the status as in the
//     list. Those whose finding this review does not produce are watched:
//     at most maxWatchedReads of them per review, in turn (the state's
//     Watched),
//     so that however many a pull request has they never make a review
//     read the whole list; the periodic list read sees them all;
//   - the other closed threads (fixed by a person, or by a release that
//     did not mark its own) whose finding this review produces at or above
//     the blocking severity, for the same reason.
//
// A pull request with none, the common case, reads nothing more. Past
// maxReadsByID reads in all, loadThreads reads the list once instead.
func (r *reviewRun) closedToRead(index []coordination.IndexedThread, result reviewer.Result) []int {
	findings := result.Findings
	for _, s := range r.suppressed {
		findings = append(findings[:len(findings):len(findings)], s.finding)
	}
	// The most severe finding that may carry each fingerprint, and the
	// fingerprints of findings that may reopen their thread.
	current := make(map[string]reviewer.Severity, len(findings))
	reopens := make(map[string]bool, len(findings))
	cov := result.Coverage()
	for _, f := range findings {
		stable := !cov.Varies(f.Rule, f.Path)
		for _, fp := range f.Fingerprints() {
			if s, ok := current[fp]; !ok || f.Severity.Rank() > s.Rank() {
				current[fp] = f.Severity
			}
			reopens[fp] = reopens[fp] || stable
		}
	}
	blocking := r.w.cfg.BlockingSeverity
	var ids, watched []int
	for _, it := range index {
		s, found := current[it.Fingerprint]
		switch {
		case it.Open:
		case it.Fixed && reopens[it.Fingerprint]:
			ids = append(ids, it.ID)
		case it.Dismissed && found && s.AtLeast(blocking):
			ids = append(ids, it.ID)
		case it.Dismissed:
			if reviewer.Severity(it.Severity).AtLeast(blocking) {
				watched = append(watched, it.ID)
			}
		case found && s.AtLeast(blocking):
			ids = append(ids, it.ID)
		}
	}
	turn := rotation(watched, r.state.Watched, maxWatchedReads)
	r.watched = r.state.Watched + len(turn)
	ids = append(ids, turn...)
	return ids
}

// reopen sets thread t, which azreviewer set to fixed, active again and
// replies that its finding is back in iteration, inside a write span; the
// read-back checks the status.
func (ws *writes) reopen(ctx context.Context, t azdo.Thread, iteration int) error {
	ctx, span := ws.threadWrite(ctx, WriteReopen, t)
	props := map[string]string{PropStatusSet: string(azdo.ThreadActive)}
	if _, err := ws.az.SetThreadStatus(ctx, ws.ref, t.ID, azdo.ThreadActive, props); err != nil {
		return ws.rejected(span, err)
	}
	if _, err := ws.az.Reply(ctx, ws.ref, t.ID, firstCommentID(t), commentText(reopenText(iteration))); err != nil {
		return ws.rejected(span, err)
	}
	ws.pending = append(ws.pending, pendingWrite{kind: WriteReopen, span: span, threadID: t.ID,
		check: func(t azdo.Thread) bool { return t.Status.Open() }})
	return nil
}

// reopenText is the reply on a reopened thread.
func reopenText(iteration int) string {
	return markdown.Text(fmt.Sprintf("This finding is back in iteration %d, after it was marked fixed: the thread is active again.", iteration))
}

// maxWatchedReads bounds the dismissed blocking threads one review reads
// to learn whether a person reactivated one (closedToRead).
const maxWatchedReads = 4

// rotation is the turn of the n ids ids takes after done of them were
// read by earlier turns: all of them when they are n or fewer, else the n
// that follow the first done (wrapping), so that every id is read within
// ⌈len(ids)/n⌉ turns.
func rotation(ids []int, done, n int) []int {
	if len(ids) <= n {
		return ids
	}
	slices.Sort(ids)
	start := max(done, 0) % len(ids)
	out := make([]int, 0, n)
	for i := range n {
		out = append(out, ids[(start+i)%len(ids)])
	}
	return out
}
