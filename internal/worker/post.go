package worker

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/text/unicode/norm"
)

// Thread properties azreviewer writes, so later runs recognise its threads.
const (
	PropFingerprint = "azreviewer.fingerprint"
	PropRule        = "azreviewer.rule"
	PropSummary     = "azreviewer.summary"
	PropSeverity    = "azreviewer.severity"
)

// posting is what post did before the read-back: the findings whose
// thread was already there, by severity those left without one by
// MaxThreads, and the threads left untouched (resolvable).
type posting struct {
	already   int
	notPosted map[reviewer.Severity]int
	untouched int
}

// left is how many findings MaxThreads left without a thread.
func (p posting) left() int {
	n := 0
	for _, c := range p.notPosted {
		n += c
	}
	return n
}

// post writes one thread per finding not already on the pull request,
// resolves the threads of findings that are gone, keeps the comment about
// an invalid .azreviewer.yaml in step with the file, and writes the
// summary. What is there is known before the first write (loadThreads: the
// thread list, or the state's index and the threads this review may
// change), so a redelivered request posts nothing twice and a finding the
// author closed or marked won't-fix is never posted again; the state is
// marked (begin) before that write. It stops writing at the first write refused and
// returns its error; the writes made wait in ws for verify.
func (r *reviewRun) post(ctx context.Context, ws *writes, result reviewer.Result, notes []string) (posting, error) {
	if err := r.loadThreads(ctx, result); err != nil {
		return posting{}, err
	}
	if err := r.begin(ctx); err != nil {
		return posting{}, err
	}
	existing := r.threads.threads
	posted := r.threads.posted(r.fingerprints(result))
	result, notes = r.remembered(ctx, existing, posted, result, notes)
	p, err := r.postFindings(ctx, ws, result.Findings, result.Coverage(), posted)
	if err != nil {
		return p, err
	}
	gone, untouched := r.resolvable(existing, result)
	p.untouched = untouched
	for _, t := range gone {
		if err := ws.resolve(ctx, t); err != nil {
			return p, err
		}
	}
	config, err := r.w.configThread(ctx, existing)
	if err != nil {
		return p, err
	}
	if config != nil {
		r.threads.configID = config.ID
	}
	err = ws.configComment(ctx, config, r.invalid)
	if id := ws.created(WriteConfig); id != 0 {
		r.threads.configID = id
	}
	if err != nil {
		return p, err
	}
	sum := Summary{Iteration: r.latest.ID, Since: r.since, Head: r.latest.SourceCommit, Files: len(r.files), Resolved: len(gone), Untouched: untouched, Result: result,
		NotPosted: p.notPosted, MaxThreads: r.w.cfg.MaxThreads, Notes: notes, ConfigInvalid: r.invalid != nil, Links: r.w.links}
	return p, r.postSummary(ctx, ws, existing, sum)
}

// fingerprints are those a thread posted for a finding of result, or for
// one an earlier won't-fix suppressed, may carry: what post asks of the
// threads already there.
func (r *reviewRun) fingerprints(result reviewer.Result) map[string]bool {
	fps := make(map[string]bool, len(result.Findings)+len(r.suppressed))
	for _, f := range result.Findings {
		for _, fp := range f.Fingerprints() {
			fps[fp] = true
		}
	}
	for _, s := range r.suppressed {
		for _, fp := range s.finding.Fingerprints() {
			fps[fp] = true
		}
	}
	return fps
}

// postFindings writes the threads of the findings that have none, at most
// MaxThreads in all, the most severe first: a finding already posted keeps
// its thread and takes its place in the budget (threadBudget), and reopens
// it when azreviewer had set it to fixed (reopen) and the finding's
// reviewer does not vary (cov, reviewer.Varying: a model's finding back
// says nothing about the code, and its thread stays fixed); the rest are
// counted in the summary. Threads are written in the reviewers' order.
func (r *reviewRun) postFindings(ctx context.Context, ws *writes, findings []reviewer.Finding, cov reviewer.Coverage, posted map[string]bool) (posting, error) {
	threads := threadsOf(findings, posted)
	selected, notPosted := threadBudget(findings, threads, r.w.cfg.MaxThreads)
	p := posting{notPosted: notPosted}
	reopen := reopenable(r.threads.threads)
	tracking := make(map[string]int, len(r.changes))
	for _, ch := range r.changes {
		tracking[ch.Path] = ch.ChangeTrackingID
	}
	var failure error
	for i, f := range findings {
		fp := threads[i].fp
		switch {
		case threads[i].done:
			p.already++
			if t, ok := reopen[fp]; ok && failure == nil && !cov.Varies(f.Rule, f.Path) {
				delete(reopen, fp)
				failure = ws.reopen(ctx, t, r.latest.ID)
			}
		case failure == nil && selected[fp]:
			failure = ws.create(ctx, WriteThread, findingThread(f, fp, tracking[f.Path], r.latest.ID, r.w.links),
				attribute.String("azreviewer.finding.rule", f.Rule),
				attribute.String("azreviewer.finding.path", f.Path),
				attribute.Int("azreviewer.finding.line", f.StartLine),
				attribute.String("azreviewer.finding.fingerprint", fp),
			)
		}
	}
	return p, failure
}

// postSummary writes the summary thread, or updates the pull request's one
// summary in place when it is of another iteration: its text only, one
// write. The thread's PropSummary property marks it as the summary and
// keeps the key it was created with (earlier releases also rewrote it);
// the key of the summary's current text is the review state's
// (coordination.ReviewState.SummaryKey, threadView.summaryKey). A summary
// read whole (the thread list) whose text is already the one to write is
// left as it is.
func (r *reviewRun) postSummary(ctx context.Context, ws *writes, existing []azdo.Thread, sum Summary) error {
	key := strconv.Itoa(sum.Iteration) + "@" + sum.Head
	i := slices.IndexFunc(existing, func(t azdo.Thread) bool { return t.Properties[PropSummary] != "" })
	if i < 0 {
		r.threads.summaryKey = key
		return ws.create(ctx, WriteSummary, summaryThread(key, sum))
	}
	t := existing[i]
	if t.Properties[PropSummary] == key {
		return nil
	}
	content := commentText(sum.Render())
	if old := t.FirstComment(); old != "" && sameText(old, content) {
		r.threads.summaryKey = key
		return nil
	}
	r.threads.summaryKey = key
	return ws.updateSummary(ctx, t, content)
}

// verified is what the read-back confirmed, and the status posted.
type verified struct {
	writes                      WriteCounts
	threads, resolved, reopened int
	summary                     bool
	status                      string
}

// verify reads the threads back once and settles every write post made.
// After a post that completed, it posts the status azreviewer/review,
// judged by the threads read back; writes Azure DevOps acknowledged but
// did not keep then fail the review with a [*DroppedWritesError].
func (r *reviewRun) verify(ctx context.Context, ws *writes, result reviewer.Result, complete bool) (verified, error) {
	after := ws.verify(ctx, !r.threads.full)
	switch {
	case ws.counts.Unverified > 0 || ws.counts.Dropped > 0:
		r.threads.complete = false
	case r.threads.full && after != nil:
		r.threads.threads = after
	default:
		r.threads.merge(after)
	}
	v := verified{writes: ws.counts, threads: ws.posted[WriteThread], resolved: ws.posted[WriteResolve], reopened: ws.posted[WriteReopen],
		summary: ws.posted[WriteSummary] > 0}
	if !complete {
		return v, nil
	}
	// Judge the status by the pull request's threads, not by the findings:
	// a finding whose thread stays closed (a person's won't fix, a model's
	// finding back on a thread azreviewer fixed) does not block. A full
	// read-back is the whole list; otherwise the threads known — the list
	// read by this review, or the index, this review's reads and the open
	// blocking threads read now.
	// A read-back of writes that failed as a whole leaves the findings,
	// the most that can block.
	var blocking, open int
	switch {
	case r.threads.full && after != nil:
		blocking, open = countOpen(after, r.w.cfg.BlockingSeverity)
	case after == nil && ws.counts.Unverified > 0:
		blocking, open = countFindings(result, r.w.cfg.BlockingSeverity)
	default:
		if !r.threads.full {
			r.refreshBlocking(ctx)
		}
		blocking, open = r.threads.openFindings(r.w.cfg.BlockingSeverity)
	}
	v.status = r.w.postStatus(ctx, r.ref, r.latest.ID, result, blocking, open)
	if ws.counts.Dropped > 0 {
		return v, &DroppedWritesError{Dropped: ws.counts.Dropped, Repository: r.ref.RepositoryID}
	}
	return v, nil
}

// thread is the thread of a finding: the fingerprint it carries, and
// whether it is posted.
type thread struct {
	fp   string
	done bool
}

// threadsOf returns the thread of each finding: a posted thread carrying
// its own fingerprint; else the first posted thread carrying one of its
// former fingerprints ([reviewer.Finding.Fingerprints]) that no other
// finding has claimed, since findings of different rules on the same text
// share their former fingerprints and one thread is one finding's; else a
// thread to post with its own fingerprint.
func threadsOf(findings []reviewer.Finding, posted map[string]bool) []thread {
	out := make([]thread, len(findings))
	claimed := make(map[string]bool, len(findings))
	for i, f := range findings {
		fp := f.Fingerprint()
		out[i] = thread{fp: fp, done: posted[fp]}
		if posted[fp] {
			claimed[fp] = true
		}
	}
	for i, f := range findings {
		if out[i].done {
			continue
		}
		for _, fp := range f.Fingerprints()[1:] {
			if posted[fp] && !claimed[fp] {
				out[i], claimed[fp] = thread{fp: fp, done: true}, true
				break
			}
		}
	}
	return out
}

// threadBudget picks the findings to post: in order of severity, each
// finding already posted (threads, as threadsOf says) takes one of limit
// places and keeps its thread; each other finding gets a place while one
// is left. It returns the fingerprints picked for a new thread and, by
// severity, the count of the findings left without one.
func threadBudget(findings []reviewer.Finding, threads []thread, limit int) (map[string]bool, map[reviewer.Severity]int) {
	order := make([]int, len(findings))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return findings[b].Severity.Rank() - findings[a].Severity.Rank() })
	selected, left, seen := map[string]bool{}, map[reviewer.Severity]int{}, map[string]bool{}
	used := 0
	for _, i := range order {
		fp, done := threads[i].fp, threads[i].done
		if seen[fp] {
			continue
		}
		seen[fp] = true
		switch {
		case done:
			used++
		case used < limit:
			selected[fp] = true
			used++
		default:
			left[findings[i].Severity]++
		}
	}
	return selected, left
}

// resolvable returns the threads of existing the review resolves, and how
// many it leaves untouched: their finding is gone from a file the review
// judged, but no reviewer of the review looked for it there (see
// resolver).
func (r *reviewRun) resolvable(existing []azdo.Thread, result reviewer.Result) (gone []azdo.Thread, untouched int) {
	rs := newResolver(result, r.found, r.changes, r.since > 0)
	for _, t := range existing {
		switch {
		case rs.mayResolve(t):
			gone = append(gone, t)
		case rs.untouched(t):
			untouched++
		}
	}
	return gone, untouched
}

// Write kinds, as recorded on write spans and metrics.
const (
	WriteThread  = "thread"
	WriteSummary = "summary"
	// WriteResolve sets a finding's thread to fixed.
	WriteResolve = "resolve"
	// WriteConfig is the comment about an invalid .azreviewer.yaml.
	WriteConfig = "config"
)

// Write outcomes.
const (
	// WritePosted: confirmed present when read back.
	WritePosted = "posted"
	// WriteRejected: Azure DevOps answered with an error.
	WriteRejected = "rejected"
	// WriteDropped: Azure DevOps answered success, but the write is not
	// there when read back.
	WriteDropped = "dropped"
	// WriteUnverified: answered success; the read-back itself failed.
	WriteUnverified = "unverified"
	// WriteAltered: there when read back, but Azure DevOps keeps a comment
	// text that differs from the one sent by more than the normalisations
	// it may apply (see sameText): the write happened, its text is not
	// quite what was sent (cut, or rewritten).
	WriteAltered = "altered"
)

// WriteCounts counts a review's writes by outcome.
type WriteCounts struct {
	Posted, Rejected, Dropped, Unverified, Altered int
}

// writes tracks a review's writes until their outcome is known. Each write
// has a span that ends only when its outcome is recorded.
type writes struct {
	tracer  trace.Tracer
	az      Commenter
	ref     azdo.PullRequestRef
	pending []pendingWrite
	counts  WriteCounts
	posted  map[string]int
}

type pendingWrite struct {
	kind     string
	span     trace.Span
	threadID int
	// check, when set, tells whether the read-back thread shows the write
	// (a status or property change); otherwise its presence does.
	check func(azdo.Thread) bool
	// text, when set, is the first comment's content the write sent; the
	// read-back compares it with what Azure DevOps keeps (sameText).
	text string
}

// create posts a thread inside a write span. A rejected write ends its span
// at once; a successful one waits for verify.
func (ws *writes) create(ctx context.Context, kind string, thread azdo.Thread, attrs ...attribute.KeyValue) error {
	ctx, span := ws.tracer.Start(ctx, "write "+kind, trace.WithAttributes(append(attrs,
		attribute.String("azreviewer.write.kind", kind))...))
	thread.Comments = slices.Clone(thread.Comments)
	for i, c := range thread.Comments {
		thread.Comments[i].Content = commentText(c.Content)
	}
	created, err := ws.az.CreateThread(ctx, ws.ref, thread)
	if err != nil {
		return ws.rejected(span, err)
	}
	id := created.ID
	span.SetAttributes(attribute.Int("azdo.thread.id", id))
	ws.pending = append(ws.pending, pendingWrite{kind: kind, span: span, threadID: id})
	return nil
}

// threadWrite starts the span of a write of kind to the existing finding
// thread t.
func (ws *writes) threadWrite(ctx context.Context, kind string, t azdo.Thread) (context.Context, trace.Span) {
	return ws.tracer.Start(ctx, "write "+kind, trace.WithAttributes(
		attribute.String("azreviewer.write.kind", kind),
		attribute.Int("azdo.thread.id", t.ID),
		attribute.String("azreviewer.finding.rule", t.Properties[PropRule]),
		attribute.String("azreviewer.finding.fingerprint", t.Properties[PropFingerprint]),
	))
}

// resolve sets a thread to fixed inside a write span.
func (ws *writes) resolve(ctx context.Context, t azdo.Thread) error {
	ctx, span := ws.threadWrite(ctx, WriteResolve, t)
	// Marked as azreviewer's own fixed, which the finding's return reopens.
	props := map[string]string{PropStatusSet: string(azdo.ThreadFixed)}
	if _, err := ws.az.SetThreadStatus(ctx, ws.ref, t.ID, azdo.ThreadFixed, props); err != nil {
		return ws.rejected(span, err)
	}
	ws.pending = append(ws.pending, pendingWrite{kind: WriteResolve, span: span, threadID: t.ID,
		check: func(t azdo.Thread) bool { return t.Status == azdo.ThreadFixed }})
	return nil
}

// updateComment rewrites a thread's first comment in place.
func (ws *writes) updateComment(ctx context.Context, t azdo.Thread, kind, content string) error {
	content = commentText(content)
	ctx, span := ws.tracer.Start(ctx, "write "+kind, trace.WithAttributes(
		attribute.String("azreviewer.write.kind", kind),
		attribute.Int("azdo.thread.id", t.ID),
		attribute.Bool("azreviewer.write.in_place", true),
	))
	if _, err := ws.az.UpdateComment(ctx, ws.ref, t.ID, firstCommentID(t), content); err != nil {
		return ws.rejected(span, err)
	}
	ws.pending = append(ws.pending, pendingWrite{kind: kind, span: span, threadID: t.ID, text: content})
	return nil
}

// rejected settles a write Azure DevOps refused and returns its error.
func (ws *writes) rejected(span trace.Span, err error) error {
	err = azdo.WriteFailure(err)
	ws.counts.Rejected++
	span.SetAttributes(attribute.String("azreviewer.write.outcome", WriteRejected))
	recordFailure(span, err)
	span.End()
	return err
}

// updateSummary rewrites the summary thread's text in place, one write.
// The read-back tells a kept update from a dropped one by the text
// (summaryKept): Azure may normalise or cut what it keeps.
func (ws *writes) updateSummary(ctx context.Context, t azdo.Thread, content string) error {
	ctx, span := ws.tracer.Start(ctx, "write "+WriteSummary, trace.WithAttributes(
		attribute.String("azreviewer.write.kind", WriteSummary),
		attribute.Int("azdo.thread.id", t.ID),
		attribute.Bool("azreviewer.write.in_place", true),
	))
	if _, err := ws.az.UpdateComment(ctx, ws.ref, t.ID, firstCommentID(t), content); err != nil {
		return ws.rejected(span, err)
	}
	old := t.FirstComment()
	ws.pending = append(ws.pending, pendingWrite{kind: WriteSummary, span: span, threadID: t.ID, text: content,
		check: func(t azdo.Thread) bool { return summaryKept(t.FirstComment(), old, content) }})
	return nil
}

// summaryKept reports whether kept, a summary's text read back, shows the
// update from old ("": not known) to sent: it is sent, or, old known, it
// is no longer old; old not known, its headline is sent's, or it is sent
// cut (old, a summary of another iteration, is neither).
func summaryKept(kept, old, sent string) bool {
	switch {
	case sameText(kept, sent):
		return true
	case old != "":
		return !sameText(kept, old)
	}
	if h := headline(sent); h != "" && sameText(headline(kept), h) {
		return true
	}
	k := normalText(kept)
	return k != "" && strings.HasPrefix(normalText(sent), k)
}

// headline is the line of a summary that names the iteration and the head
// reviewed (Summary.Render), "" if there is none.
func headline(s string) string {
	for line := range strings.Lines(s) {
		if strings.HasPrefix(line, "Reviewed ") {
			return strings.TrimRight(line, "\r\n")
		}
	}
	return ""
}

// firstCommentID is the id of the thread's first comment (1, the first id
// Azure DevOps gives, when the thread has none read).
func firstCommentID(t azdo.Thread) int {
	if len(t.Comments) > 0 && t.Comments[0].ID != 0 {
		return t.Comments[0].ID
	}
	return 1
}

// created is the id of the last thread of kind created (0: none).
func (ws *writes) created(kind string) int {
	for i := len(ws.pending) - 1; i >= 0; i-- {
		if p := ws.pending[i]; p.kind == kind && p.check == nil && p.text == "" {
			return p.threadID
		}
	}
	return 0
}

// verify reads the threads back and settles every pending write: with
// byID, each thread written by its id, otherwise the thread list once. It
// returns the threads read (nil if nothing was pending or the list read
// failed; with byID, those read).
func (ws *writes) verify(ctx context.Context, byID bool) []azdo.Thread {
	if len(ws.pending) == 0 {
		return nil
	}
	ws.posted = map[string]int{}
	ctx, span := ws.tracer.Start(ctx, "verify writes", trace.WithAttributes(attribute.Int("azreviewer.writes.pending", len(ws.pending)),
		attribute.Bool("azreviewer.writes.by_id", byID)))
	defer span.End()
	threads, failed := ws.readBack(ctx, byID)
	present := make(map[int]azdo.Thread, len(threads))
	for _, t := range threads {
		if t.ID != 0 && !t.Deleted {
			present[t.ID] = t
		}
	}
	for _, err := range failed {
		recordFailure(span, err)
		break
	}
	for _, p := range ws.pending {
		outcome := WritePosted
		switch {
		case failed[p.threadID] != nil || failed[0] != nil:
			outcome = WriteUnverified
			ws.counts.Unverified++
		case !written(present, p):
			outcome = WriteDropped
			ws.counts.Dropped++
			p.span.SetStatus(codes.Error, "Azure DevOps answered success but the write is not there when read back")
			p.span.SetAttributes(attribute.String("error.type", WriteDropped),
				attribute.String("azreviewer.diagnosis", droppedDiagnosis))
		case p.text != "" && !sameText(present[p.threadID].FirstComment(), p.text):
			outcome = WriteAltered
			ws.counts.Altered++
			ws.posted[p.kind]++
			p.span.SetAttributes(attribute.Int("azreviewer.write.sent_bytes", len(p.text)),
				attribute.Int("azreviewer.write.kept_bytes", len(present[p.threadID].FirstComment())))
		default:
			ws.counts.Posted++
			ws.posted[p.kind]++
		}
		p.span.SetAttributes(attribute.String("azreviewer.write.outcome", outcome))
		p.span.End()
	}
	span.SetAttributes(
		attribute.Int("azreviewer.writes.posted", ws.counts.Posted),
		attribute.Int("azreviewer.writes.dropped", ws.counts.Dropped),
		attribute.Int("azreviewer.writes.unverified", ws.counts.Unverified),
		attribute.Int("azreviewer.writes.altered", ws.counts.Altered),
	)
	ws.pending = nil
	return threads
}

// readBack reads the pending writes' threads: the list (a failure is
// failed[0]), or each thread by id (a failure is failed[id]; a thread not
// there is left out, its writes dropped).
func (ws *writes) readBack(ctx context.Context, byID bool) ([]azdo.Thread, map[int]error) {
	failed := map[int]error{}
	if !byID {
		threads, err := ws.az.Threads(ctx, ws.ref)
		if err != nil {
			failed[0] = err
		}
		return threads, failed
	}
	var threads []azdo.Thread
	seen := map[int]bool{}
	for _, p := range ws.pending {
		if p.threadID == 0 || seen[p.threadID] {
			continue
		}
		seen[p.threadID] = true
		t, err := ws.az.Thread(ctx, ws.ref, p.threadID)
		switch {
		case azdo.IsNotFound(err):
		case err != nil:
			failed[p.threadID] = err
		default:
			threads = append(threads, t)
		}
	}
	return threads, failed
}

// written reports whether the read-back shows the write: the thread is
// there and, for a status change, has that status.
func written(present map[int]azdo.Thread, p pendingWrite) bool {
	t, ok := present[p.threadID]
	return p.threadID != 0 && ok && (p.check == nil || p.check(t))
}

// sameText reports whether kept, a comment's text as Azure DevOps returns
// it, is sent as the worker wrote it, up to what a store may normalise: line
// endings, white space at the ends of lines and of the text, and Unicode
// normalisation form (NFC).
func sameText(kept, sent string) bool {
	return kept == sent || normalText(kept) == normalText(sent)
}

// normalText is s with "\r\n" and "\r" as "\n", each line and the whole
// text trimmed of white space at its end, in Unicode NFC.
func normalText(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return norm.NFC.String(strings.TrimRight(strings.Join(lines, "\n"), " \t\n"))
}

// endAll ends spans of writes never verified (a panic or early return).
func (ws *writes) endAll() {
	for _, p := range ws.pending {
		p.span.SetAttributes(attribute.String("azreviewer.write.outcome", WriteUnverified))
		p.span.End()
	}
}

// recordFailure puts an error and, for Azure DevOps errors, its kind and
// diagnosis on a span.
func recordFailure(span trace.Span, err error) {
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	if e, ok := azdo.AsError(err); ok {
		span.SetAttributes(attribute.String("error.type", string(e.Kind)), attribute.String("azreviewer.diagnosis", e.Diagnosis()))
		if e.StatusCode != 0 {
			span.SetAttributes(attribute.Int("http.response.status_code", e.StatusCode))
		}
		if e.TypeKey != "" {
			span.SetAttributes(attribute.String("azdo.error.type_key", e.TypeKey))
		}
		if e.EntraCode != "" {
			span.SetAttributes(attribute.String("azdo.entra.code", e.EntraCode))
		}
		if e.Credential != "" {
			span.SetAttributes(attribute.String("azdo.credential", e.Credential))
		}
	}
}

// findingThread anchors a finding to its lines on the right (new) side of
// the pull request's newest iteration compared with the common commit.
func findingThread(f reviewer.Finding, fingerprint string, changeTrackingID, iteration int, links markdown.Policy) azdo.Thread {
	return azdo.Thread{
		Status:           azdo.ThreadActive,
		Comments:         []azdo.Comment{{Content: RenderFinding(f, links)}},
		FilePath:         f.Path,
		Start:            azdo.Position{Line: f.StartLine, Offset: f.StartOffset},
		End:              azdo.Position{Line: f.EndLine, Offset: f.EndOffset},
		ChangeTrackingID: changeTrackingID,
		Iteration:        iteration,
		Properties:       map[string]string{PropFingerprint: fingerprint, PropRule: f.Rule, PropSeverity: string(f.Severity)},
	}
}

// summaryThread is the pull-request-level thread that says what the review
// covered; later reviews update it in place. It is closed: it informs,
// there is nothing to resolve.
func summaryThread(key string, sum Summary) azdo.Thread {
	return azdo.Thread{
		Status:     azdo.ThreadClosed,
		Comments:   []azdo.Comment{{Content: sum.Render()}},
		Properties: map[string]string{PropSummary: key},
	}
}

// The pull-request status azreviewer posts: azreviewer/review. A branch
// policy can require it.
const (
	StatusGenre = "azreviewer"
	StatusName  = "review"
)

// postStatus posts azreviewer/review for the reviewed iteration: failed
// while open findings at or above the blocking severity remain on the pull
// request; otherwise error when a reviewer failed (the review is
// incomplete), succeeded when none did; blocking and open are the counts
// of open findings (blockingFindings, threadView.openFindings) its
// description gives. A status Azure refuses is reported, but
// does not fail the review: the threads are there. It returns the state
// posted, or "" when the post failed.
func (w *Worker) postStatus(ctx context.Context, ref azdo.PullRequestRef, iteration int, result reviewer.Result, blocking, open int) string {
	state, desc := azdo.StatusSucceeded, fmt.Sprintf("No open findings at %s or above (%d open in all)", w.cfg.BlockingSeverity, open)
	switch {
	case blocking > 0:
		state, desc = azdo.StatusFailed, fmt.Sprintf("%s at %s or above", plural(blocking, "open finding"), w.cfg.BlockingSeverity)
	case len(result.Failed) > 0:
		// A reviewer that failed or ran out of time may have missed what a
		// pull request hides from it: never report success then.
		state, desc = azdo.StatusError, fmt.Sprintf("Review incomplete: %s failed (%s); findings may be missing", plural(len(result.Failed), "reviewer"), failedNames(result.Failed))
	}
	ctx, span := w.tracer.Start(ctx, "write status", trace.WithAttributes(
		attribute.String("azreviewer.write.kind", "status"),
		attribute.String("azreviewer.status.state", string(state)),
		attribute.Int("azreviewer.status.blocking", blocking),
	))
	defer span.End()
	_, err := w.write.CreateStatus(ctx, ref, azdo.Status{Genre: StatusGenre, Name: StatusName, State: state, Description: desc, Iteration: iteration})
	if err != nil {
		err = azdo.WriteFailure(err)
		span.SetAttributes(attribute.String("azreviewer.write.outcome", WriteRejected))
		recordFailure(span, err)
		args := []any{"pull_request", ref.ID, "error", err}
		if e, ok := azdo.AsError(err); ok {
			args = append(args, "error_type", e.Kind, "fix", e.Diagnosis())
		}
		w.cfg.Logger.WarnContext(ctx, "pull request status not posted; the threads are", args...)
		return ""
	}
	// Statuses are not read back: the read-back stays one call per review.
	span.SetAttributes(attribute.String("azreviewer.write.outcome", WriteUnverified))
	return string(state)
}

// countFindings counts result's findings and those at or above threshold.
func countFindings(result reviewer.Result, threshold reviewer.Severity) (blocking, open int) {
	for _, f := range result.Findings {
		open++
		if f.Severity.AtLeast(threshold) {
			blocking++
		}
	}
	return blocking, open
}

// countOpen counts the open finding threads of threads and those at or
// above min.
func countOpen(threads []azdo.Thread, threshold reviewer.Severity) (blocking, open int) {
	for _, t := range threads {
		if t.Properties[PropFingerprint] == "" || !t.Status.Open() {
			continue
		}
		open++
		if reviewer.Severity(t.Properties[PropSeverity]).AtLeast(threshold) {
			blocking++
		}
	}
	return blocking, open
}

// failedNames lists the failed reviewers' names for a status description,
// at most three.
func failedNames(failed []reviewer.Failure) string {
	names := make([]string, 0, 3)
	for _, f := range failed[:min(len(failed), 3)] {
		names = append(names, f.Reviewer)
	}
	if len(failed) > 3 {
		names = append(names, "…")
	}
	return strings.Join(names, ", ")
}
