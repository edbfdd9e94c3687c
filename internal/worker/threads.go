package worker

import (
	"context"

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
	// full: the threads are the whole list.
	full bool
	// threads: in full, the list; otherwise the index's threads as
	// azdo.Thread values (Status active or closed for open or not; the
	// summary with its key and its first comment's id, 1), those read by
	// id replaced by what was read.
	threads []azdo.Thread
	// read are the ids read (or read back) by id in this review.
	read map[int]bool
	// configID is the thread of the configuration comment (0: none),
	// configOpen whether it is active.
	configID   int
	configOpen bool
	// complete: threads names every thread azreviewer keeps on the pull
	// request (false once a read-back failed).
	complete bool
}

// Why a review reads the whole thread list, as recorded on its span
// (azreviewer.threads.full_reason).
const (
	fullNoCoordination = "no_coordination"
	fullCommand        = "comment_command"
	fullRedelivery     = "redelivery"
	fullUnfinished     = "post_unfinished"
	fullNoIndex        = "no_index"
)

// fullReason is why this review must read the whole thread list ("": the
// index will do): without coordination, on /azreviewer review, on a
// redelivery (the last delivery may have died mid-post), after a review
// that did not finish its post, and without an index this version wrote
// (none, an older version's, or one past its bounds).
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
	}
	return ""
}

// begin marks the state before post's first write: until remember saves
// the review's own state, a later review does not trust the index (the
// worker may die between a write and the save), so the mark is saved
// without one. Without coordination there is nothing to mark.
func (r *reviewRun) begin(ctx context.Context) error {
	if r.w.cfg.Coordinator == nil {
		return nil
	}
	st := r.state
	st.Posting, st.Indexed, st.Findings = true, false, nil
	return r.w.saveState(ctx, r.key, st)
}

// loadThreads reads what post needs of the pull request's threads, in
// full or from the index (see threadView).
func (r *reviewRun) loadThreads(ctx context.Context, result reviewer.Result) error {
	reason := r.fullReason()
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.Bool("azreviewer.threads.full", reason != ""))
	if reason != "" {
		span.SetAttributes(attribute.String("azreviewer.threads.full_reason", reason))
		threads, err := r.w.write.Threads(ctx, r.ref)
		if err != nil {
			return err
		}
		r.threads = threadView{full: true, threads: threads, complete: true}
		return nil
	}
	st := r.state
	v := threadView{read: map[int]bool{}, configID: st.Config, configOpen: st.ConfigOpen, complete: true}
	rs := newResolver(result, r.changes, r.since > 0)
	for _, it := range st.Findings {
		t := azdo.Thread{ID: it.ID, FilePath: it.Path, Status: azdo.ThreadClosed,
			Properties: map[string]string{PropFingerprint: it.Fingerprint, PropSeverity: it.Severity}}
		if it.Open {
			t.Status = azdo.ThreadActive
		}
		if rs.mayResolve(t) {
			got, found, err := r.readThread(ctx, &v, t.ID)
			if err != nil {
				return err
			}
			if !found {
				continue // gone from the pull request
			}
			t = got
		}
		v.threads = append(v.threads, t)
	}
	if st.Summary != 0 {
		v.threads = append(v.threads, azdo.Thread{ID: st.Summary, Status: azdo.ThreadClosed,
			Properties: map[string]string{PropSummary: st.SummaryKey}, Comments: []azdo.Comment{{ID: 1}}})
	}
	// The configuration comment is read when it may change: while the
	// file is invalid (its text), and while it is open (to resolve it).
	if st.Config != 0 && (r.invalid != nil || st.ConfigOpen) {
		got, found, err := r.readThread(ctx, &v, st.Config)
		if err != nil {
			return err
		}
		if found {
			v.threads = append(v.threads, got)
		} else {
			v.configID, v.configOpen = 0, false
		}
	}
	span.SetAttributes(attribute.Int("azreviewer.threads.indexed", len(st.Findings)), attribute.Int("azreviewer.threads.read", len(v.read)))
	r.threads = v
	return nil
}

// readThread reads thread id; found is false when it is not there.
func (r *reviewRun) readThread(ctx context.Context, v *threadView, id int) (azdo.Thread, bool, error) {
	t, err := r.w.write.Thread(ctx, r.ref, id)
	if azdo.IsNotFound(err) {
		return azdo.Thread{}, false, nil
	}
	if err != nil {
		return azdo.Thread{}, false, err
	}
	v.read[id] = true
	return t, true, nil
}

// merge puts threads read back into the view: each replaces the thread of
// its id, or is added.
func (v *threadView) merge(threads []azdo.Thread) {
	at := make(map[int]int, len(v.threads))
	for i, t := range v.threads {
		at[t.ID] = i
	}
	for _, t := range threads {
		if v.read != nil {
			v.read[t.ID] = true
		}
		if i, ok := at[t.ID]; ok {
			v.threads[i] = t
			continue
		}
		at[t.ID] = len(v.threads)
		v.threads = append(v.threads, t)
	}
}

// refreshBlocking reads, before the status is judged, each thread the
// index holds open at or above the blocking severity that this review did
// not read: a person may have resolved it by hand since. A thread that
// cannot be read keeps what the index says.
func (r *reviewRun) refreshBlocking(ctx context.Context) {
	v := &r.threads
	if v.full {
		return
	}
	kept := v.threads[:0]
	for _, t := range v.threads {
		if t.Properties[PropFingerprint] != "" && t.Status.Open() && !v.read[t.ID] &&
			reviewer.Severity(t.Properties[PropSeverity]).AtLeast(r.w.cfg.BlockingSeverity) {
			got, found, err := r.readThread(ctx, v, t.ID)
			switch {
			case err != nil:
				r.w.cfg.Logger.WarnContext(ctx, "finding thread not read for the status; counted as open", "thread", t.ID, "error", err)
			case !found:
				continue
			default:
				t = got
			}
		}
		kept = append(kept, t)
	}
	v.threads = kept
}

// index writes the view into st as the index the next review reads; a
// view that is not complete leaves st without one.
func (v *threadView) index(st *coordination.ReviewState) {
	if !v.complete {
		return
	}
	st.Indexed = true
	st.Config, st.ConfigOpen = v.configID, v.configOpen
	for _, t := range v.threads {
		if t.ID == 0 {
			continue
		}
		if fp := t.Properties[PropFingerprint]; fp != "" {
			st.Findings = append(st.Findings, coordination.IndexedThread{Fingerprint: fp, ID: t.ID, Path: t.FilePath,
				Severity: t.Properties[PropSeverity], Open: t.Status.Open() && !t.Deleted})
			continue
		}
		if key := t.Properties[PropSummary]; key != "" && st.Summary == 0 {
			st.Summary, st.SummaryKey = t.ID, key
		}
		if t.ID == v.configID {
			st.ConfigOpen = t.Status == azdo.ThreadActive && !t.Deleted
		}
	}
}

// resolver tells which of azreviewer's threads a review resolves: open
// finding threads whose finding it no longer produces, on a file it
// judged. A full review judges every file it read; an incremental one only
// the files changed since the last review. Nothing is resolved when a
// reviewer failed, and files not reviewed keep theirs.
type resolver struct {
	none                     bool
	incremental              bool
	current, judged, skipped map[string]bool
}

func newResolver(result reviewer.Result, changes []azdo.Change, incremental bool) resolver {
	rs := resolver{none: len(result.Failed) > 0, incremental: incremental,
		current: make(map[string]bool, len(result.Findings)), judged: make(map[string]bool, len(changes)),
		skipped: make(map[string]bool, len(result.Skipped))}
	for _, f := range result.Findings {
		for _, fp := range f.Fingerprints() {
			rs.current[fp] = true
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
// of it says.
func (rs resolver) mayResolve(t azdo.Thread) bool {
	fp := t.Properties[PropFingerprint]
	if rs.none || fp == "" || rs.current[fp] || t.ID == 0 || t.Deleted {
		return false
	}
	if !t.Status.Open() {
		return false // the author already closed it, or marked it won't-fix
	}
	return !rs.skipped[t.FilePath] && (!rs.incremental || rs.judged[t.FilePath])
}
