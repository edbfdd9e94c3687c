package worker

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/text/unicode/norm"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Thread properties azreviewer writes, so later runs recognise its threads.
const (
	PropFingerprint = "azreviewer.fingerprint"
	PropRule        = "azreviewer.rule"
	PropSummary     = "azreviewer.summary"
	PropSeverity    = "azreviewer.severity"
)

// post writes one thread per finding not already on the pull request,
// resolves the threads of findings that are gone, writes the summary, and
// verifies the writes. Existing threads are read once before, so a
// redelivered request posts nothing twice and a finding the author closed
// or marked won't-fix is never posted again; and once after, to confirm
// every write Azure DevOps answered with success is there.
func (w *Worker) post(ctx context.Context, ref azdo.PullRequestRef, changes []azdo.Change, head string, rep *Report, result reviewer.Result, notes []string, invalidConfig error) error {
	existing, err := w.azdo.Threads(ctx, ref)
	if err != nil {
		return err
	}
	posted := make(map[string]bool)
	var summary *git.GitPullRequestCommentThread
	for i, t := range existing {
		if fp := azdo.ThreadProperty(t, PropFingerprint); fp != "" {
			posted[fp] = true
		}
		if summary == nil && azdo.ThreadProperty(t, PropSummary) != "" {
			summary = &existing[i]
		}
	}
	tracking := make(map[string]int, len(changes))
	for _, ch := range changes {
		tracking[ch.Path] = ch.ChangeTrackingID
	}
	current := make(map[string]bool, len(result.Findings))
	for _, f := range result.Findings {
		for _, fp := range f.Fingerprints() {
			current[fp] = true
		}
	}

	ws := &writes{tracer: w.tracer}
	defer ws.endAll()
	var failure error
	// At most MaxThreads findings have threads, the most severe first: a
	// finding already posted keeps its thread and takes its place in the
	// budget; the rest are counted in the summary. Threads are written in
	// the reviewers' order.
	threads := threadsOf(result.Findings, posted)
	selected, notPosted := threadBudget(result.Findings, threads, w.cfg.MaxThreads)
	for i, f := range result.Findings {
		fp, done := threads[i].fp, threads[i].done
		if done {
			rep.AlreadyPosted++
			continue
		}
		if failure != nil || !selected[fp] {
			continue
		}
		if failure = ws.create(ctx, w.azdo, ref, WriteThread, findingThread(f, fp, tracking[f.Path], rep.Iteration, w.links),
			attribute.String("azreviewer.finding.rule", f.Rule),
			attribute.String("azreviewer.finding.path", f.Path),
			attribute.Int("azreviewer.finding.line", f.StartLine),
			attribute.String("azreviewer.finding.fingerprint", fp),
		); failure != nil {
			continue
		}
		posted[fp] = true
	}
	for _, n := range notPosted {
		rep.NotPosted += n
	}
	gone := resolvable(existing, current, changes, result, rep.Since > 0)
	if failure == nil {
		for _, t := range gone {
			if failure = ws.resolve(ctx, w.azdo, ref, t); failure != nil {
				break
			}
		}
	}
	if failure == nil {
		failure = ws.configComment(ctx, w.azdo, ref, existing, invalidConfig)
	}
	key := strconv.Itoa(rep.Iteration) + "@" + head
	sum := Summary{Iteration: rep.Iteration, Since: rep.Since, Head: head, Files: rep.FilesReviewed, Resolved: len(gone), Result: result,
		NotPosted: notPosted, MaxThreads: w.cfg.MaxThreads, Notes: notes, ConfigInvalid: invalidConfig != nil, Links: w.links}
	switch {
	case failure != nil:
	case summary == nil:
		failure = ws.create(ctx, w.azdo, ref, WriteSummary, summaryThread(key, sum))
	case azdo.ThreadProperty(*summary, PropSummary) != key:
		// One summary per pull request, updated in place.
		failure = ws.updateSummary(ctx, w.azdo, ref, *summary, key, sum.Render())
	}

	after := ws.verify(ctx, w.azdo, ref)
	if failure == nil {
		rep.Status = w.postStatus(ctx, ref, rep.Iteration, result, after)
	}
	rep.Writes = ws.counts
	rep.ThreadsPosted = ws.posted[WriteThread]
	rep.Resolved = ws.posted[WriteResolve]
	rep.SummaryPosted = ws.posted[WriteSummary] > 0
	if failure != nil {
		return failure
	}
	if ws.counts.Dropped > 0 {
		return &DroppedWritesError{Dropped: ws.counts.Dropped, Repository: ref.RepositoryID}
	}
	return nil
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

// resolvable returns azreviewer's open finding threads whose finding this
// review no longer produces. A full review judges every file it read; an
// incremental one only the files changed since the last review. Nothing is
// resolved when a reviewer failed, and files not reviewed keep theirs.
func resolvable(existing []git.GitPullRequestCommentThread, current map[string]bool, changes []azdo.Change, result reviewer.Result, incremental bool) []git.GitPullRequestCommentThread {
	if len(result.Failed) > 0 {
		return nil
	}
	judged := make(map[string]bool, len(changes))
	for _, ch := range changes {
		judged[ch.Path] = true
		if ch.OriginalPath != "" {
			judged[ch.OriginalPath] = true
		}
	}
	skipped := make(map[string]bool, len(result.Skipped))
	for _, s := range result.Skipped {
		skipped[s.Path] = true
	}
	var out []git.GitPullRequestCommentThread
	for _, t := range existing {
		fp := azdo.ThreadProperty(t, PropFingerprint)
		if fp == "" || current[fp] || t.Id == nil || t.Status == nil || (t.IsDeleted != nil && *t.IsDeleted) {
			continue
		}
		if *t.Status != git.CommentThreadStatusValues.Active && *t.Status != git.CommentThreadStatusValues.Pending {
			continue // the author already closed it, or marked it won't-fix
		}
		path := ""
		if t.ThreadContext != nil && t.ThreadContext.FilePath != nil {
			path = *t.ThreadContext.FilePath
		}
		if skipped[path] || (incremental && !judged[path]) {
			continue
		}
		out = append(out, t)
	}
	return out
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
	check func(git.GitPullRequestCommentThread) bool
	// text, when set, is the first comment's content the write sent; the
	// read-back compares it with what Azure DevOps keeps (sameText).
	text string
}

// create posts a thread inside a write span. A rejected write ends its span
// at once; a successful one waits for verify.
func (ws *writes) create(ctx context.Context, az AzureDevOps, ref azdo.PullRequestRef, kind string, thread git.GitPullRequestCommentThread, attrs ...attribute.KeyValue) error {
	ctx, span := ws.tracer.Start(ctx, "write "+kind, trace.WithAttributes(append(attrs,
		attribute.String("azreviewer.write.kind", kind))...))
	if thread.Comments != nil {
		comments := slices.Clone(*thread.Comments)
		for i, c := range comments {
			if c.Content != nil {
				comments[i].Content = ptr(commentText(*c.Content))
			}
		}
		thread.Comments = &comments
	}
	created, err := az.CreateThread(ctx, ref, thread)
	if err != nil {
		return ws.rejected(span, err)
	}
	id := 0
	if created != nil && created.Id != nil {
		id = *created.Id
	}
	span.SetAttributes(attribute.Int("azdo.thread.id", id))
	ws.pending = append(ws.pending, pendingWrite{kind: kind, span: span, threadID: id})
	return nil
}

// resolve sets a thread to fixed inside a write span.
func (ws *writes) resolve(ctx context.Context, az AzureDevOps, ref azdo.PullRequestRef, t git.GitPullRequestCommentThread) error {
	ctx, span := ws.tracer.Start(ctx, "write "+WriteResolve, trace.WithAttributes(
		attribute.String("azreviewer.write.kind", WriteResolve),
		attribute.Int("azdo.thread.id", *t.Id),
		attribute.String("azreviewer.finding.rule", azdo.ThreadProperty(t, PropRule)),
		attribute.String("azreviewer.finding.fingerprint", azdo.ThreadProperty(t, PropFingerprint)),
	))
	fixed := git.CommentThreadStatusValues.Fixed
	if _, err := az.UpdateThreadStatus(ctx, ref, *t.Id, fixed); err != nil {
		return ws.rejected(span, err)
	}
	ws.pending = append(ws.pending, pendingWrite{kind: WriteResolve, span: span, threadID: *t.Id,
		check: func(t git.GitPullRequestCommentThread) bool { return t.Status != nil && *t.Status == fixed }})
	return nil
}

// updateComment rewrites a thread's first comment in place.
func (ws *writes) updateComment(ctx context.Context, az AzureDevOps, ref azdo.PullRequestRef, t git.GitPullRequestCommentThread, kind, content string) error {
	content = commentText(content)
	ctx, span := ws.tracer.Start(ctx, "write "+kind, trace.WithAttributes(
		attribute.String("azreviewer.write.kind", kind),
		attribute.Int("azdo.thread.id", *t.Id),
		attribute.Bool("azreviewer.write.in_place", true),
	))
	if _, err := az.UpdateComment(ctx, ref, *t.Id, firstCommentID(t), content); err != nil {
		return ws.rejected(span, err)
	}
	ws.pending = append(ws.pending, pendingWrite{kind: kind, span: span, threadID: *t.Id, text: content})
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

// updateSummary rewrites the summary thread in place: its text, then its
// iteration key.
func (ws *writes) updateSummary(ctx context.Context, az AzureDevOps, ref azdo.PullRequestRef, t git.GitPullRequestCommentThread, key, content string) error {
	content = commentText(content)
	ctx, span := ws.tracer.Start(ctx, "write "+WriteSummary, trace.WithAttributes(
		attribute.String("azreviewer.write.kind", WriteSummary),
		attribute.Int("azdo.thread.id", *t.Id),
		attribute.Bool("azreviewer.write.in_place", true),
	))
	_, err := az.UpdateComment(ctx, ref, *t.Id, firstCommentID(t), content)
	if err == nil {
		_, err = az.UpdateThreadProperties(ctx, ref, *t.Id, map[string]string{PropSummary: key})
	}
	if err != nil {
		return ws.rejected(span, err)
	}
	ws.pending = append(ws.pending, pendingWrite{kind: WriteSummary, span: span, threadID: *t.Id, text: content,
		check: func(t git.GitPullRequestCommentThread) bool { return azdo.ThreadProperty(t, PropSummary) == key }})
	return nil
}

func firstCommentID(t git.GitPullRequestCommentThread) int {
	if t.Comments != nil && len(*t.Comments) > 0 && (*t.Comments)[0].Id != nil {
		return *(*t.Comments)[0].Id
	}
	return 1
}

func firstComment(t git.GitPullRequestCommentThread) string {
	if t.Comments != nil && len(*t.Comments) > 0 && (*t.Comments)[0].Content != nil {
		return *(*t.Comments)[0].Content
	}
	return ""
}

// verify reads the threads back once and settles every pending write. It
// returns the threads read (nil if nothing was pending or the read failed).
func (ws *writes) verify(ctx context.Context, az AzureDevOps, ref azdo.PullRequestRef) []git.GitPullRequestCommentThread {
	if len(ws.pending) == 0 {
		return nil
	}
	ws.posted = map[string]int{}
	ctx, span := ws.tracer.Start(ctx, "verify writes", trace.WithAttributes(attribute.Int("azreviewer.writes.pending", len(ws.pending))))
	defer span.End()
	threads, err := az.Threads(ctx, ref)
	present := make(map[int]git.GitPullRequestCommentThread, len(threads))
	for _, t := range threads {
		if t.Id != nil && (t.IsDeleted == nil || !*t.IsDeleted) {
			present[*t.Id] = t
		}
	}
	if err != nil {
		recordFailure(span, err)
	}
	for _, p := range ws.pending {
		outcome := WritePosted
		switch {
		case err != nil:
			outcome = WriteUnverified
			ws.counts.Unverified++
		case !written(present, p):
			outcome = WriteDropped
			ws.counts.Dropped++
			p.span.SetStatus(codes.Error, "Azure DevOps answered success but the write is not there when read back")
			p.span.SetAttributes(attribute.String("error.type", WriteDropped),
				attribute.String("azreviewer.diagnosis", droppedDiagnosis))
		case p.text != "" && !sameText(firstComment(present[p.threadID]), p.text):
			outcome = WriteAltered
			ws.counts.Altered++
			ws.posted[p.kind]++
			p.span.SetAttributes(attribute.Int("azreviewer.write.sent_bytes", len(p.text)),
				attribute.Int("azreviewer.write.kept_bytes", len(firstComment(present[p.threadID]))))
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

// written reports whether the read-back shows the write: the thread is
// there and, for a status change, has that status.
func written(present map[int]git.GitPullRequestCommentThread, p pendingWrite) bool {
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
	}
}

// findingThread anchors a finding to its lines on the right (new) side of
// the pull request's newest iteration compared with the common commit.
func findingThread(f reviewer.Finding, fingerprint string, changeTrackingID, iteration int, links markdown.Policy) git.GitPullRequestCommentThread {
	active := git.CommentThreadStatusValues.Active
	text := git.CommentTypeValues.Text
	parent := 0
	content := RenderFinding(f, links)
	path := f.Path
	return git.GitPullRequestCommentThread{
		Comments: &[]git.Comment{{ParentCommentId: &parent, Content: &content, CommentType: &text}},
		Status:   &active,
		ThreadContext: &git.CommentThreadContext{
			FilePath:       &path,
			RightFileStart: &git.CommentPosition{Line: ptr(f.StartLine), Offset: ptr(f.StartOffset)},
			RightFileEnd:   &git.CommentPosition{Line: ptr(f.EndLine), Offset: ptr(f.EndOffset)},
		},
		PullRequestThreadContext: &git.GitPullRequestCommentThreadContext{
			ChangeTrackingId: ptr(changeTrackingID),
			// Equal iterations mean "compared with the common commit".
			IterationContext: &git.CommentIterationContext{
				FirstComparingIteration:  ptr(iteration),
				SecondComparingIteration: ptr(iteration),
			},
		},
		Properties: map[string]string{PropFingerprint: fingerprint, PropRule: f.Rule, PropSeverity: string(f.Severity)},
	}
}

// summaryThread is the pull-request-level thread that says what the review
// covered; later reviews update it in place. It is closed: it informs,
// there is nothing to resolve.
func summaryThread(key string, sum Summary) git.GitPullRequestCommentThread {
	closed := git.CommentThreadStatusValues.Closed
	text := git.CommentTypeValues.Text
	parent := 0
	content := sum.Render()
	return git.GitPullRequestCommentThread{
		Comments:   &[]git.Comment{{ParentCommentId: &parent, Content: &content, CommentType: &text}},
		Status:     &closed,
		Properties: map[string]string{PropSummary: key},
	}
}

func ptr[T any](v T) *T { return &v }
