package worker

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// A push event whose commit was already reviewed is usually superseded,
// but its payload may name the previous head, or the branch was
// force-pushed back to a reviewed commit: a newer iteration may need its
// review (pushedSince reads the iteration list to know). The review
// stream's order answers without Azure DevOps for most of them. Just
// before a review reads the iterations it reviews, it reads the stream's
// position (its last sequence: one NATS call) and remember keeps it with
// the newest iteration read (ReviewState.Seen). A message that position
// precedes was published before that read, so the push it reports had
// made its iteration before the read too — Azure DevOps raises the event
// once the push is processed — and that iteration is at most the one
// reviewed: the event is superseded, whatever commit its payload names.
// Any other request (no delivery, a later message, another stream, no
// position kept) is checked as before.

// StreamPositions reads where the review stream stands: one NATS call, no
// Azure DevOps one. *streams.StreamPositions implements it.
type StreamPositions interface {
	Position(ctx context.Context) (streams.Position, error)
}

// positionTimeout bounds the read of the stream's position: a review whose
// read fails or takes longer goes on without it (nothing is kept, and the
// next push event is checked against the iterations).
const positionTimeout = 2 * time.Second

// Values of azreviewer.skip_decided_by: what showed a request already
// reviewed.
const (
	// decidedByStreamOrder: the request's message precedes the stream
	// position kept with the newest iteration reviewed (no call).
	decidedByStreamOrder = "stream_order"
	// decidedByIterations: the iteration list showed no newer iteration
	// (one call).
	decidedByIterations = "newest_iteration"
	// decidedByState: the commit is among those reviewed, and the trigger
	// is not a push (no call).
	decidedByState = "review_state"
)

// readPosition reads the review stream's position, just before load
// reads the iterations, for remember to keep; without a position reader,
// a coordinator, or when the read fails, there is none.
func (r *reviewRun) readPosition(ctx context.Context) {
	if r.w.cfg.Positions == nil || r.w.cfg.Coordinator == nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, positionTimeout)
	defer cancel()
	pos, err := r.w.cfg.Positions.Position(pctx)
	if err != nil {
		if ctx.Err() == nil {
			r.w.cfg.Logger.WarnContext(ctx, "review stream position not read; the next push events are checked against the iterations", "error", err)
		}
		return
	}
	r.position = &pos
}

// seen is the stream position remember keeps: the one read before this
// review's iterations, or the one kept before when none was read or that
// one is ahead in the same stream (reviews of a pull request hold its
// lease one at a time, so the iterations of the earlier one were read
// before this one's: its position still precedes only events of
// iterations reviewed).
func (r *reviewRun) seen() *streams.Position {
	if r.position == nil {
		return r.state.Seen
	}
	later := r.position.Later(r.state.Seen)
	return &later
}

// ordered reports whether the request is a pull-request event whose
// message the kept stream position precedes.
func (r *reviewRun) ordered() bool {
	if r.forced || r.state.Seen == nil || (r.req.Trigger != events.TriggerCreated && r.req.Trigger != events.TriggerUpdated) {
		return false
	}
	return r.state.Seen.Precedes(r.req.Delivery)
}

// decidedBy is what showed the request already reviewed: the iterations
// when they were read for it (a call was made, whatever the stream's order
// says since), else the stream's order, else the state.
func (r *reviewRun) decidedBy() string {
	switch {
	case r.checked:
		return decidedByIterations
	case r.ordered():
		return decidedByStreamOrder
	default:
		return decidedByState
	}
}

// skipReviewed ends a request already reviewed, saying on the span what
// showed it (azreviewer.skip_decided_by) and, when the stream's order did,
// the sequences compared.
func (r *reviewRun) skipReviewed(ctx context.Context, format string, args ...any) (Report, error) {
	by := r.decidedBy()
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.String("azreviewer.skip_decided_by", by))
	if by == decidedByStreamOrder {
		span.AddEvent("superseded by stream order", trace.WithAttributes(
			attribute.Int64("nats.jetstream.stream_seq", int64(r.req.Delivery.Sequence)),
			attribute.Int64("azreviewer.stream.seen_seq", int64(r.state.Seen.Sequence)),
			attribute.Int("azreviewer.iteration", r.state.Iteration),
		))
	}
	return skip(SkipAlreadyReviewed, format, args...)
}
