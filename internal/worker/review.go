package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/sourcegraph/conc/pool"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// review is the pipeline: select, serialize, skip what is already
// reviewed, read what changed, diff, review, post, remember.
func (w *Worker) review(ctx context.Context, req *events.ReviewRequest) (Report, error) {
	if req.OrgURL != "" && servicehooks.NormalizeOrgURL(req.OrgURL) != servicehooks.NormalizeOrgURL(w.cfg.OrgURL) {
		return skip(SkipOtherOrg, "event is for organisation %s, which this worker is not configured for", req.OrgURL)
	}
	forced := req.Trigger == events.TriggerComment
	if forced {
		rep, review, err := w.command(ctx, req)
		if err != nil || !review {
			return rep, err
		}
	}
	key := coordination.Key(req.RepositoryID, req.PullRequestID)
	ref := azdo.PullRequestRef{Project: req.ProjectID, RepositoryID: req.RepositoryID, ID: req.PullRequestID}
	// A superseded request is recognised before waiting for the lease, and
	// again after: the review it waited for may have covered it.
	state, err := w.loadState(ctx, key)
	if err != nil {
		return Report{}, err
	}
	newest := 0 // the newest iteration, when the push check read it
	if !forced && state.covers(req.SourceCommit) {
		if newest, err = w.pushedSince(ctx, ref, req, state); err != nil || newest == 0 {
			return supersededSkip(err, "commit %s was already reviewed (iteration %d is the newest reviewed)", shortSHA(req.SourceCommit), state.Iteration)
		}
	}
	ctx, release, err := w.acquire(ctx, key)
	if err != nil {
		return Report{}, err
	}
	defer release()
	if state, err = w.loadState(ctx, key); err != nil {
		return Report{}, err
	}
	if !forced && state.covers(req.SourceCommit) && newest <= state.Iteration {
		return skip(SkipAlreadyReviewed, "commit %s was reviewed while this request waited (iteration %d is the newest reviewed)", shortSHA(req.SourceCommit), state.Iteration)
	}

	pr, err := w.azdo.PullRequest(ctx, ref)
	if err != nil {
		return Report{}, err
	}
	repoName := ""
	if pr.Repository != nil {
		repoName = deref(pr.Repository.Name)
	}
	if pr.Status != nil && *pr.Status != git.PullRequestStatusValues.Active {
		rep, err := skip(SkipNotActive, "pull request is %s", *pr.Status)
		rep.Repository = repoName
		return rep, err
	}
	its, err := w.azdo.Iterations(ctx, ref)
	if err != nil {
		return Report{Repository: repoName}, err
	}
	if len(its) == 0 {
		return Report{Repository: repoName}, fmt.Errorf("pull request %d has no iterations", ref.ID)
	}
	latest := its[len(its)-1]
	rep := Report{Outcome: OutcomeReviewed, Iteration: *latest.Id, Repository: repoName}
	base, head := commitOf(latest.CommonRefCommit), commitOf(latest.SourceRefCommit)
	if base == "" || head == "" {
		return rep, fmt.Errorf("iteration %d lacks its common or source commit", rep.Iteration)
	}
	if !forced && state.Iteration == rep.Iteration && state.SourceCommit == head {
		rep, err := skip(SkipAlreadyReviewed, "iteration %d is already reviewed", state.Iteration)
		rep.Repository, rep.Iteration = repoName, state.Iteration
		return rep, err
	}

	// Incremental: only the files changed since the last reviewed iteration
	// are read, each with its whole diff against the common commit.
	if !forced && state.Iteration > 0 && state.Iteration < rep.Iteration {
		rep.Since = state.Iteration
	}
	changes, err := w.azdo.IterationChanges(ctx, ref, rep.Iteration, rep.Since)
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
	rc, invalid, err := w.repoConfig(ctx, ref, latest, deref(pr.TargetRefName))
	if err != nil {
		return rep, err
	}
	files, err := w.diffFiles(ctx, ref, changes, base, head, rep.Since == 0)
	if err != nil {
		return rep, err
	}
	rep.FilesReviewed = len(files)

	input, excluded := rc.Filter(&reviewer.PullRequest{Title: deref(pr.Title), Description: deref(pr.Description), Files: files})
	reviewers := w.reviewersFor(rc, headFiles{az: w.azdo, ref: ref, head: head})
	rctx, cancel := w.reviewersContext(ctx)
	result := reviewer.Run(rctx, input, reviewers...)
	cancel()
	result.Findings = rc.Apply(slices.DeleteFunc(result.Findings, func(f reviewer.Finding) bool { return slices.Contains(state.IgnoredRules, f.Rule) }))
	result.Skipped = append(append(result.Skipped, excluded...), skipped...)
	rep.Findings = len(result.Findings)
	rep.SkippedFiles = len(result.Skipped)
	rep.ReviewerErrors = len(result.Failed)
	if ctx.Err() != nil {
		return rep, context.Cause(ctx)
	}

	if err := w.post(ctx, ref, changes, head, &rep, result, append(notes(reviewers), rc.Describe()), invalid); err != nil {
		return rep, err
	}
	covered := make([]string, 0, len(its))
	for _, it := range its {
		if c := commitOf(it.SourceRefCommit); c != "" {
			covered = append(covered, c)
		}
	}
	if err := w.saveState(ctx, key, reviewState{Iteration: rep.Iteration, SourceCommit: head, Covered: covered,
		IgnoredRules: state.IgnoredRules, ReviewedAt: time.Now().UTC()}); err != nil {
		// The threads are posted; a lost state only costs a redundant
		// review later, which posts nothing twice.
		w.cfg.Logger.Warn("review state not saved", "key", key, "error", err)
	}
	return rep, nil
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

// diffFiles reads the common-commit and head version of every change, with
// bounded concurrency, and diffs them; the result keeps the order of
// changes. With againstBase the change types are relative to the common
// commit (a full review) and reads known to miss are skipped; otherwise
// (an incremental review) each file's presence on both sides decides.
func (w *Worker) diffFiles(ctx context.Context, ref azdo.PullRequestRef, changes []azdo.Change, base, head string, againstBase bool) ([]reviewer.FileDiff, error) {
	files := make([]reviewer.FileDiff, len(changes))
	p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(w.cfg.FetchConcurrency)
	for i, ch := range changes {
		p.Go(func(ctx context.Context) error {
			kind := changeType(ch.ChangeType)
			if ch.Submodule {
				files[i] = reviewer.FileDiff{Path: ch.Path, Change: kind, Skipped: reviewer.SkipSubmodule}
				return nil
			}
			oldPath := ch.Path
			if kind == reviewer.ChangeRename && ch.OriginalPath != "" {
				oldPath = ch.OriginalPath
			}
			var old, cur []byte
			var inBase, inHead bool
			var err error
			if !againstBase || kind != reviewer.ChangeAdd {
				if old, inBase, err = w.azdo.FileAt(ctx, ref, oldPath, base); err != nil {
					return err
				}
			}
			if !againstBase || kind != reviewer.ChangeDelete {
				if cur, inHead, err = w.azdo.FileAt(ctx, ref, ch.Path, head); err != nil {
					return err
				}
			}
			if !againstBase {
				switch {
				case !inBase && !inHead:
					// Added and removed again within the pull request: no diff,
					// but its earlier findings are resolved.
					files[i] = reviewer.FileDiff{Path: ch.Path, Change: reviewer.ChangeDelete}
					return nil
				case !inBase:
					kind = reviewer.ChangeAdd
				case !inHead:
					kind = reviewer.ChangeDelete
				case oldPath != ch.Path:
					kind = reviewer.ChangeRename
				default:
					kind = reviewer.ChangeEdit
				}
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

// pushedSince is the cheap check of a push event whose commit was already
// reviewed: such an event is usually a duplicate or a late delivery, but
// its payload may name the previous head while the newest iteration has a
// new one, and a force-push back to a reviewed commit, or a retarget, makes
// a new iteration of a reviewed commit that needs its own status. It costs
// one call (the iterations list), for push events (updated) only; it
// returns the newest iteration when that is newer than the one reviewed,
// and 0 otherwise, when the event is to be skipped.
func (w *Worker) pushedSince(ctx context.Context, ref azdo.PullRequestRef, req *events.ReviewRequest, state reviewState) (int, error) {
	if req.Trigger != events.TriggerUpdated {
		return 0, nil
	}
	its, err := w.azdo.Iterations(ctx, ref)
	if err != nil || len(its) == 0 {
		return 0, err
	}
	if latest := its[len(its)-1]; latest.Id != nil && *latest.Id > state.Iteration {
		return *latest.Id, nil
	}
	return 0, nil
}

// supersededSkip is the skip of a request already covered, or the error of
// the check that was to tell.
func supersededSkip(err error, format string, args ...any) (Report, error) {
	if err != nil {
		return Report{}, err
	}
	return skip(SkipAlreadyReviewed, format, args...)
}
