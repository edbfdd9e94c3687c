package worker

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// The pull-request status azreviewer posts: azreviewer/review. A branch
// policy can require it.
const (
	StatusGenre = "azreviewer"
	StatusName  = "review"
)

// postStatus posts azreviewer/review for the reviewed iteration: failed
// while open findings at or above the blocking severity remain on the pull
// request; otherwise error when a reviewer failed (the review is
// incomplete), succeeded when none did. after is the read-back of the threads (nil:
// judge by this review's findings). A status Azure refuses is reported, but
// does not fail the review: the threads are there. It returns the state
// posted, or "" when the post failed.
func (w *Worker) postStatus(ctx context.Context, ref azdo.PullRequestRef, iteration int, result reviewer.Result, after []azdo.Thread) string {
	blocking, open := w.blockingFindings(result, after)
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

// blockingFindings counts the open finding threads (active or pending)
// and those at or above the blocking severity.
func (w *Worker) blockingFindings(result reviewer.Result, after []azdo.Thread) (blocking, open int) {
	if after == nil {
		for _, f := range result.Findings {
			open++
			if f.Severity.AtLeast(w.cfg.BlockingSeverity) {
				blocking++
			}
		}
		return blocking, open
	}
	for _, t := range after {
		if t.Properties[PropFingerprint] == "" || !t.Status.Open() {
			continue
		}
		open++
		if reviewer.Severity(t.Properties[PropSeverity]).AtLeast(w.cfg.BlockingSeverity) {
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
