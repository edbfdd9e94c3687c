package worker

import (
	"context"

	"github.com/azreviewer/azreviewer/internal/events"
)

// ReviewDelivered is Review of a message delivered delivery times, as
// HandleMessage runs it.
func (w *Worker) ReviewDelivered(ctx context.Context, req *events.ReviewRequest, delivery uint64) (Report, error) {
	return w.reviewDelivered(ctx, req, delivery)
}

var SummaryKept = summaryKept
