package worker

import (
	"context"
	"fmt"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/sourcegraph/conc/pool"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// review is the pipeline: select, read, diff, review, post.
func (w *Worker) review(ctx context.Context, req *events.ReviewRequest) (Report, error) {
	if req.OrgURL != "" && events.NormalizeOrgURL(req.OrgURL) != events.NormalizeOrgURL(w.cfg.OrgURL) {
		return skip("event is for organisation %s, which this worker is not configured for", req.OrgURL)
	}
	if req.Trigger == events.TriggerComment && (req.Comment == nil || !wantsReview(req.Comment.Content)) {
		return skip("comment does not contain %q", commentCommand)
	}
	ref := azdo.PullRequestRef{Project: req.ProjectID, RepositoryID: req.RepositoryID, ID: req.PullRequestID}

	pr, err := w.azdo.PullRequest(ctx, ref)
	if err != nil {
		return Report{}, err
	}
	if pr.Status != nil && *pr.Status != git.PullRequestStatusValues.Active {
		return skip("pull request is %s", *pr.Status)
	}
	repoName := ""
	if pr.Repository != nil {
		repoName = deref(pr.Repository.Name)
	}
	it, err := w.azdo.LatestIteration(ctx, ref)
	if err != nil {
		return Report{Repository: repoName}, err
	}
	rep := Report{Outcome: OutcomeReviewed, Iteration: *it.Id, Repository: repoName}
	base, head := commitOf(it.CommonRefCommit), commitOf(it.SourceRefCommit)
	if base == "" || head == "" {
		return rep, fmt.Errorf("iteration %d lacks its common or source commit", rep.Iteration)
	}

	changes, err := w.azdo.IterationChanges(ctx, ref, rep.Iteration, 0)
	if err != nil {
		return rep, err
	}
	var skipped []reviewer.SkippedFile
	if len(changes) > w.cfg.MaxFiles {
		for _, ch := range changes[w.cfg.MaxFiles:] {
			skipped = append(skipped, reviewer.SkippedFile{Path: ch.Path, Reason: fmt.Sprintf("more than %d changed files", w.cfg.MaxFiles)})
		}
		changes = changes[:w.cfg.MaxFiles]
	}
	files, err := w.diffFiles(ctx, ref, changes, base, head)
	if err != nil {
		return rep, err
	}
	rep.FilesReviewed = len(files)

	input := &reviewer.PullRequest{Title: deref(pr.Title), Description: deref(pr.Description), Files: files}
	result := reviewer.Run(ctx, input, w.cfg.Reviewers...)
	result.Skipped = append(result.Skipped, skipped...)
	rep.Findings = len(result.Findings)
	rep.SkippedFiles = len(result.Skipped)
	rep.ReviewerErrors = len(result.Failed)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}

	if err := w.post(ctx, ref, changes, head, &rep, result); err != nil {
		return rep, err
	}
	return rep, nil
}

// diffFiles reads the base and head version of every change, with bounded
// concurrency, and diffs them. The result keeps the order of changes.
func (w *Worker) diffFiles(ctx context.Context, ref azdo.PullRequestRef, changes []azdo.Change, base, head string) ([]reviewer.FileDiff, error) {
	files := make([]reviewer.FileDiff, len(changes))
	p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(w.cfg.FetchConcurrency)
	for i, ch := range changes {
		p.Go(func(ctx context.Context) error {
			kind := changeType(ch.ChangeType)
			oldPath := ch.Path
			if kind == reviewer.ChangeRename && ch.OriginalPath != "" {
				oldPath = ch.OriginalPath
			}
			var old, cur []byte
			if kind != reviewer.ChangeAdd {
				b, _, err := w.azdo.FileAt(ctx, ref, oldPath, base)
				if err != nil {
					return err
				}
				old = b
			}
			if kind != reviewer.ChangeDelete {
				b, _, err := w.azdo.FileAt(ctx, ref, ch.Path, head)
				if err != nil {
					return err
				}
				cur = b
			}
			renamedFrom := ""
			if kind == reviewer.ChangeRename {
				renamedFrom = oldPath
			}
			files[i] = reviewer.Diff(ch.Path, renamedFrom, kind, old, cur, w.cfg.Diff)
			return nil
		})
	}
	if err := p.Wait(); err != nil {
		return nil, err
	}
	return files, nil
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

func commitOf(c *git.GitCommitRef) string {
	if c == nil || c.CommitId == nil {
		return ""
	}
	return *c.CommitId
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
