package worker

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/streams"

	"github.com/azreviewer/azreviewer/internal/events"
)

// ReviewDelivered is Review of a message delivered delivery times, as
// HandleMessage runs it.
func (w *Worker) ReviewDelivered(ctx context.Context, req *events.ReviewRequest, delivery uint64) (Report, error) {
	r, d := *req, streams.Delivery{}
	if req.Delivery != nil {
		d = *req.Delivery
	}
	d.Delivered = delivery
	r.Delivery = &d
	return w.Review(ctx, &r)
}

// ReadsHeads reports whether a review under cfg keeps the head versions
// its diff phase read.
func (w *Worker) ReadsHeads(cfg repoconfig.Config) bool {
	return w.headsFor(azdo.PullRequestRef{}, "", cfg).room > 0
}

// SetTracer sets the tracer the worker's spans are started with.
func (w *Worker) SetTracer(t trace.Tracer) { w.tracer = t }

// SetClock sets the clock of ThreadListPeriod and of the LLM budget.
func (w *Worker) SetClock(now func() time.Time) { w.now = now }

var SummaryKept = summaryKept
