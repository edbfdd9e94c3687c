package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// SweepLister lists what a sweep looks at; *azdo.Client implements it.
type SweepLister interface {
	Projects(ctx context.Context) ([]azdo.Project, error)
	OpenPullRequests(ctx context.Context, project string, limit int) ([]azdo.PullRequest, error)
}

// Enqueuer stores a review request as ingest does, de-duplicated by its
// message id; *events.Publisher implements it.
type Enqueuer interface {
	Publish(ctx context.Context, req *events.ReviewRequest) (events.Published, error)
}

// SweepKey is the coordination key of an organisation's sweep: the lease
// that lets one worker of the fleet sweep it at a time, and when it was
// last swept. It is "sweep." and a digest of the normalised URL, so that
// each organisation is swept on its own schedule.
func SweepKey(orgURL string) string {
	sum := sha256.Sum256([]byte(servicehooks.NormalizeOrgURL(orgURL)))
	return "sweep." + hex.EncodeToString(sum[:8])
}

// sweepKey is the worker's organisation's SweepKey.
func (w *Worker) sweepKey() string { return SweepKey(w.cfg.OrgURL) }

// SweepMaxPerProject bounds how many active pull requests of one project a
// sweep looks at, newest first: with the projects list, a sweep costs at
// most 1 + ⌈projects/100⌉ + 5 calls per project.
const SweepMaxPerProject = 500

// SweepResult is what one sweep did.
type SweepResult struct {
	// Skipped says why the sweep did not run ("" when it ran): another
	// worker holds the sweep lease.
	Skipped string
	// Projects and PullRequests counts what was listed; Enqueued the review
	// requests stored, Duplicates those JetStream already had (a webhook's,
	// or an earlier sweep's still waiting).
	Projects, PullRequests, Enqueued, Duplicates int
}

// Sweep recovers pull requests whose webhooks were lost — Azure DevOps
// drops events while a subscription is on probation, and sends nothing
// again: it lists the active pull requests of every project and enqueues a
// review request for each whose head commit is not among the reviewed
// ones, through the same de-duplicated path as a webhook (the message id
// is the pull request and its head commit). One worker of the fleet sweeps
// at a time (a lease); a sweep another worker is running is skipped.
func (w *Worker) Sweep(ctx context.Context, list SweepLister, enq Enqueuer) (SweepResult, error) {
	return w.sweep(ctx, 0, list, enq)
}

// SweepEvery is Sweep for a worker that sweeps every interval, as each
// worker of a fleet does: a sweep any worker finished less than 9/10 of
// every ago is not repeated, so the fleet sweeps about once an interval,
// not once per worker.
func (w *Worker) SweepEvery(ctx context.Context, every time.Duration, list SweepLister, enq Enqueuer) (SweepResult, error) {
	return w.sweep(ctx, every*9/10, list, enq)
}

// sweepState is what the fleet remembers of its sweeps.
type sweepState struct {
	// At is when the last sweep finished.
	At time.Time `json:"at"`
}

func (w *Worker) sweep(ctx context.Context, gap time.Duration, list SweepLister, enq Enqueuer) (SweepResult, error) {
	var res SweepResult
	ctx, span := w.tracer.Start(ctx, "sweep")
	defer span.End()
	skip := func(why string) (SweepResult, error) {
		res.Skipped = why
		span.SetAttributes(attribute.String("azreviewer.sweep.skipped", why))
		return res, nil
	}
	lease, err := w.sweepLease(ctx)
	if errors.Is(err, coordination.ErrLeaseHeld) {
		return skip("another worker is sweeping")
	}
	if err != nil {
		return res, sweepFailed(span, err)
	}
	ctx, release := coordination.Keep(ctx, w.sweepKey(), lease, w.hold())
	defer release()
	if gap > 0 {
		if last, ok := w.lastSweep(ctx); ok && time.Since(last) < gap {
			return skip(fmt.Sprintf("the fleet swept %s ago", time.Since(last).Round(time.Second)))
		}
	}
	defer w.rememberSweep(ctx)

	projects, err := list.Projects(ctx)
	if err != nil {
		return res, sweepFailed(span, err)
	}
	res.Projects = len(projects)
	var errs []error
	var full *events.QueueFullError
projects:
	for _, p := range projects {
		prs, err := list.OpenPullRequests(ctx, p.ID, SweepMaxPerProject)
		if err != nil {
			errs = append(errs, fmt.Errorf("project %s: %w", p.Name, err))
			if ctx.Err() != nil {
				break // shut down, or the lease lost: the rest would fail alike
			}
			continue
		}
		for _, pr := range prs {
			res.PullRequests++
			if err := w.sweepOne(ctx, enq, pr, &res); err != nil {
				errs = append(errs, err)
				// A full queue refuses every other request too, and a
				// context ended fails them: the next sweep takes them up.
				if errors.As(err, &full) || ctx.Err() != nil {
					break projects
				}
			}
		}
	}
	span.SetAttributes(
		attribute.Int("azreviewer.sweep.projects", res.Projects),
		attribute.Int("azreviewer.sweep.pull_requests", res.PullRequests),
		attribute.Int("azreviewer.sweep.enqueued", res.Enqueued),
		attribute.Int("azreviewer.sweep.duplicates", res.Duplicates),
	)
	if err := errors.Join(errs...); err != nil {
		return res, sweepFailed(span, err)
	}
	w.cfg.Logger.InfoContext(ctx, "sweep done", "projects", res.Projects, "pull_requests", res.PullRequests,
		"enqueued", res.Enqueued, "duplicates", res.Duplicates)
	return res, nil
}

// lastSweep is when the fleet's last sweep finished, if it is known.
func (w *Worker) lastSweep(ctx context.Context) (time.Time, bool) {
	data, found, err := w.cfg.Coordinator.LoadState(ctx, w.sweepKey())
	var st sweepState
	if err != nil || !found || json.Unmarshal(data, &st) != nil {
		return time.Time{}, false
	}
	return st.At, true
}

// rememberSweep records that a sweep finished now; a lost record only
// costs an extra sweep.
func (w *Worker) rememberSweep(ctx context.Context) {
	data, err := json.Marshal(sweepState{At: time.Now().UTC()})
	if err == nil {
		err = w.cfg.Coordinator.SaveState(context.WithoutCancel(ctx), w.sweepKey(), data)
	}
	if err != nil {
		w.cfg.Logger.WarnContext(ctx, "sweep time not saved; the next sweep may come early", "error", err)
	}
}

// sweepLease takes the sweep lease without waiting for it.
func (w *Worker) sweepLease(ctx context.Context) (*coordination.Lease, error) {
	if w.cfg.Coordinator == nil {
		return nil, errors.New("a sweep needs the fleet's coordination (leases and review state)")
	}
	return w.cfg.Coordinator.Acquire(ctx, w.sweepKey())
}

// sweepOne enqueues a review of pr unless its head commit was reviewed.
func (w *Worker) sweepOne(ctx context.Context, enq Enqueuer, pr azdo.PullRequest, res *SweepResult) error {
	if pr.SourceCommit == "" {
		return nil // nothing to review yet
	}
	state, err := w.loadReviewed(ctx, coordination.Key(pr.RepositoryID, pr.ID))
	if err != nil {
		return err
	}
	if state.Covers(pr.SourceCommit) {
		return nil
	}
	req := &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerSweep, EventType: "sweep",
		EventID:    fmt.Sprintf("sweep:%s:%d:%s", pr.RepositoryID, pr.ID, pr.SourceCommit),
		ReceivedAt: time.Now().UTC(), OrgURL: servicehooks.NormalizeOrgURL(w.cfg.OrgURL),
		ProjectID: pr.ProjectID, ProjectName: pr.ProjectName, RepositoryID: pr.RepositoryID, RepositoryName: pr.RepositoryName,
		PullRequestID: pr.ID, SourceCommit: pr.SourceCommit, TargetCommit: pr.TargetCommit,
	}
	out, err := enq.Publish(ctx, req)
	if err != nil {
		return fmt.Errorf("enqueue pull request %d: %w", pr.ID, err)
	}
	if out.Duplicate {
		res.Duplicates++
	} else {
		res.Enqueued++
	}
	return nil
}

func sweepFailed(span trace.Span, err error) error {
	span.SetStatus(codes.Error, err.Error())
	return fmt.Errorf("sweep: %w", err)
}
