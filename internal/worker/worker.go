package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/markdown"
)

const tracerName = "github.com/azreviewer/azreviewer/internal/worker"

// Worker reviews pull requests. It is safe for concurrent use; the consume
// loop bounds how many reviews run at once.
type Worker struct {
	me      *identity
	cfg     Config
	read    PullRequestReader
	write   Commenter
	diag    Diagnoser
	metrics *Metrics
	tracer  trace.Tracer
	// links are the hosts comments may link to (CommentAllowedHosts).
	links markdown.Policy
	// now is the clock of ThreadListPeriod and of the LLM budget.
	now func() time.Time
	// configs are the .azreviewer.yaml files of target commits read.
	configs *configCache
}

// New returns a worker that reads from and writes to Azure DevOps through
// az. metrics may be nil.
func New(cfg Config, az AzureDevOps, metrics *Metrics) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	w := &Worker{cfg: cfg.withDefaults(), read: az, write: az, diag: az, metrics: metrics, tracer: otel.Tracer(tracerName), me: &identity{},
		now: time.Now, configs: newConfigCache()}
	w.links, _ = markdown.NewPolicy(w.cfg.CommentAllowedHosts) // validated above
	return w, nil
}

// The log messages of a review request's outcomes, one per request.
const (
	LogReviewPosted  = "review posted"
	LogReviewSkipped = "review skipped"
	LogReviewFailed  = "review failed"
)

// Outcome is how a review request ended.
type Outcome string

// Outcomes.
const (
	OutcomeReviewed Outcome = "reviewed"
	OutcomeSkipped  Outcome = "skipped"
	OutcomeFailed   Outcome = "failed"
	// OutcomeHandedBack: the worker is stopping and gave the review back
	// unfinished; another worker takes the message.
	OutcomeHandedBack Outcome = "handed_back"
	// OutcomeCommand: a comment command was answered.
	OutcomeCommand Outcome = "command"
)

// Report is what one review request did.
type Report struct {
	Outcome Outcome
	// SkipCode and Reason say why a request was skipped.
	SkipCode string
	Reason   string
	// Repository is the repository's name, as Azure DevOps reports it.
	Repository string
	Iteration  int
	// Since is the iteration an incremental review compared with (0: the
	// whole pull request).
	Since         int
	FilesReviewed int
	Findings      int
	ThreadsPosted int
	AlreadyPosted int
	// NotPosted counts the findings left without a thread by MaxThreads.
	NotPosted int
	// Resolved counts the finding threads set to fixed; Untouched those
	// left as they are although their finding is gone from a file the
	// review judged, because no reviewer of the review looked for it
	// there (switched off, not configured, its rule removed, the file
	// outside the rule's or the analyzer's paths, or left unjudged).
	Resolved  int
	Untouched int
	// Reopened counts the threads azreviewer had set to fixed whose
	// finding is back, set active again.
	Reopened      int
	Writes        WriteCounts
	SummaryPosted bool
	// Status is the state of the pull-request status posted ("" if none).
	Status         string
	SkippedFiles   int
	ReviewerErrors int
}

// Review handles one review request end to end. The error, if any, is
// classified for the consume loop: permanent failures (permission, not
// found, bad PAT) are wrapped with events.Permanent, rate limiting with
// events.RetryAfter. A request whose message was delivered before
// (req.Delivery) reads the pull request's threads in full: the last
// delivery may have died mid-post.
func (w *Worker) Review(ctx context.Context, req *events.ReviewRequest) (Report, error) {
	start := time.Now()
	w.metrics.inFlight.Inc()
	defer w.metrics.inFlight.Dec()
	ctx, cancel := context.WithTimeout(ctx, w.cfg.ReviewTimeout)
	defer cancel()
	ctx, span := w.tracer.Start(ctx, "review pull request", trace.WithAttributes(
		attribute.Int("azdo.pull_request.id", req.PullRequestID),
		attribute.String("azdo.repository.id", req.RepositoryID),
		attribute.String("azdo.project.id", req.ProjectID),
		attribute.String("azreviewer.trigger", string(req.Trigger)),
	))
	defer span.End()
	log := w.cfg.Logger.With("pull_request", req.PullRequestID, "repository", req.RepositoryName, "project", req.ProjectName, "trigger", req.Trigger)

	var delivery uint64
	if req.Delivery != nil {
		delivery = req.Delivery.Delivered
	}
	rep, err := w.review(ctx, req, delivery)
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		rep.Outcome = OutcomeHandedBack
	} else if err != nil {
		rep.Outcome = OutcomeFailed
		err = w.diag.Explain(ctx, req.ProjectID, req.RepositoryID, cmp.Or(rep.Repository, req.RepositoryName), err)
		err = steer(err)
	}
	w.metrics.observe(rep, err, time.Since(start))
	span.SetAttributes(
		attribute.String("azreviewer.outcome", string(rep.Outcome)),
		attribute.Int("azreviewer.iteration", rep.Iteration),
		attribute.Int("azreviewer.since_iteration", rep.Since),
		attribute.Int("azreviewer.threads_resolved", rep.Resolved),
		attribute.Int("azreviewer.threads_untouched", rep.Untouched),
		attribute.Int("azreviewer.threads_reopened", rep.Reopened),
		attribute.Int("azreviewer.findings", rep.Findings),
		attribute.Int("azreviewer.threads_posted", rep.ThreadsPosted),
		attribute.Int("azreviewer.findings_not_posted", rep.NotPosted),
		attribute.Int("azreviewer.reviewers_failed", rep.ReviewerErrors),
		attribute.Int("azreviewer.writes.posted", rep.Writes.Posted),
		attribute.Int("azreviewer.writes.rejected", rep.Writes.Rejected),
		attribute.Int("azreviewer.writes.dropped", rep.Writes.Dropped),
		attribute.Int("azreviewer.writes.unverified", rep.Writes.Unverified),
		attribute.Int("azreviewer.writes.altered", rep.Writes.Altered),
	)
	switch rep.Outcome {
	case OutcomeSkipped:
		span.SetAttributes(attribute.String("azreviewer.skip", rep.SkipCode), attribute.String("azreviewer.skip_reason", rep.Reason))
		log.InfoContext(ctx, LogReviewSkipped, "reason", rep.Reason)
	case OutcomeCommand:
		log.InfoContext(ctx, "comment command answered")
	case OutcomeHandedBack:
		log.InfoContext(ctx, "review handed back: the worker is stopping", "took", time.Since(start).Round(time.Millisecond).String())
	case OutcomeReviewed:
		log.InfoContext(ctx, LogReviewPosted, "iteration", rep.Iteration, "since_iteration", rep.Since, "files", rep.FilesReviewed, "findings", rep.Findings,
			"threads_posted", rep.ThreadsPosted, "already_posted", rep.AlreadyPosted, "resolved", rep.Resolved, "untouched", rep.Untouched, "reopened", rep.Reopened,
			"took", time.Since(start).Round(time.Millisecond).String())
	default:
		recordFailure(span, err)
		args := []any{"error", err, "writes_posted", rep.Writes.Posted, "writes_rejected", rep.Writes.Rejected, "writes_dropped", rep.Writes.Dropped}
		var c classified
		if errors.As(err, &c) {
			span.SetAttributes(attribute.String("error.type", c.Class()), attribute.String("azreviewer.diagnosis", c.Diagnosis()))
			args = append(args, "error_type", c.Class(), "fix", c.Diagnosis())
		}
		log.ErrorContext(ctx, LogReviewFailed, args...)
	}
	return rep, err
}

// steer wraps a review error so the consume loop settles the message
// correctly.
func steer(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var dropped *DroppedWritesError
	if errors.As(err, &dropped) {
		return events.Permanent(err)
	}
	e, ok := azdo.AsError(err)
	switch {
	case !ok:
		return err
	case e.Kind == azdo.KindRateLimited:
		return events.RetryAfter(max(e.RetryAfter, time.Second), err)
	case e.Retryable():
		return err
	default:
		return events.Permanent(err)
	}
}

// Why a request needed no review, as counted by
// azreviewer_review_skips_total{reason}.
const (
	SkipOtherOrg        = "other_organisation"
	SkipNoCommand       = "no_command"
	SkipNotActive       = "not_active"
	SkipAlreadyReviewed = "already_reviewed"
	SkipOwnComment      = "own_comment"
)

// skip ends a request that needs no review.
func skip(code, format string, args ...any) (Report, error) {
	return Report{Outcome: OutcomeSkipped, SkipCode: code, Reason: fmt.Sprintf(format, args...)}, nil
}
