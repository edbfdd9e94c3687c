package worker

import (
	"context"
	"strconv"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Thread properties azreviewer writes, so later runs recognise its threads.
const (
	PropFingerprint = "azreviewer.fingerprint"
	PropRule        = "azreviewer.rule"
	PropSummary     = "azreviewer.summary"
)

// post writes one thread per finding not already on the pull request, then
// the summary. Existing threads are read once, so a redelivered request
// does not post a finding twice.
func (w *Worker) post(ctx context.Context, ref azdo.PullRequestRef, changes []azdo.Change, head string, rep *Report, result reviewer.Result) error {
	existing, err := w.azdo.Threads(ctx, ref)
	if err != nil {
		return err
	}
	posted := make(map[string]bool)
	summaries := make(map[string]bool)
	for _, t := range existing {
		if fp := property(t.Properties, PropFingerprint); fp != "" {
			posted[fp] = true
		}
		if s := property(t.Properties, PropSummary); s != "" {
			summaries[s] = true
		}
	}
	tracking := make(map[string]int, len(changes))
	for _, ch := range changes {
		tracking[ch.Path] = ch.ChangeTrackingID
	}

	for _, f := range result.Findings {
		fp := f.Fingerprint()
		if posted[fp] {
			rep.AlreadyPosted++
			continue
		}
		if _, err := w.azdo.CreateThread(ctx, ref, findingThread(f, fp, tracking[f.Path], rep.Iteration)); err != nil {
			return err
		}
		posted[fp] = true
		rep.ThreadsPosted++
	}

	key := strconv.Itoa(rep.Iteration) + "@" + head
	if summaries[key] {
		return nil
	}
	if _, err := w.azdo.CreateThread(ctx, ref, summaryThread(key, rep, result, head)); err != nil {
		return err
	}
	rep.SummaryPosted = true
	return nil
}

// findingThread anchors a finding to its lines on the right (new) side of
// the pull request's newest iteration compared with the common commit.
func findingThread(f reviewer.Finding, fingerprint string, changeTrackingID, iteration int) git.GitPullRequestCommentThread {
	active := git.CommentThreadStatusValues.Active
	text := git.CommentTypeValues.Text
	parent := 0
	content := RenderFinding(f)
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
		Properties: map[string]string{PropFingerprint: fingerprint, PropRule: f.Rule},
	}
}

// summaryThread is the pull-request-level thread that says what the review
// covered. It is closed: it informs, there is nothing to resolve.
func summaryThread(key string, rep *Report, result reviewer.Result, head string) git.GitPullRequestCommentThread {
	closed := git.CommentThreadStatusValues.Closed
	text := git.CommentTypeValues.Text
	parent := 0
	content := RenderSummary(rep.Iteration, head, rep.FilesReviewed, result)
	return git.GitPullRequestCommentThread{
		Comments:   &[]git.Comment{{ParentCommentId: &parent, Content: &content, CommentType: &text}},
		Status:     &closed,
		Properties: map[string]string{PropSummary: key},
	}
}

// property reads a thread property in either form Azure DevOps uses: a
// plain value, or {"$type": "System.String", "$value": "…"}.
func property(props any, key string) string {
	m, ok := props.(map[string]any)
	if !ok {
		return ""
	}
	switch v := m[key].(type) {
	case string:
		return v
	case map[string]any:
		s, _ := v["$value"].(string)
		return s
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
