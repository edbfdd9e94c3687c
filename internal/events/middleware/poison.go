package middleware

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
)

// DefaultStoreRetry is how long [PoisonQueue] keeps trying to store a dead
// letter on a message's last delivery by default: about as long as a NATS
// cluster takes to elect the dead-letter stream's leader again, with room
// to spare.
const DefaultStoreRetry = 2 * time.Minute

// Waits between tries to store a dead letter on a last delivery: the first,
// doubling up to the last.
const (
	firstStoreWait = 500 * time.Millisecond
	maxStoreWait   = 15 * time.Second
	// storeTimeout bounds one try.
	storeTimeout = 10 * time.Second
)

// PoisonOption tunes [PoisonQueue].
type PoisonOption func(*poisonQueue)

// WithStoreRetry sets how long PoisonQueue keeps trying to store a dead
// letter on a message's last delivery, holding the message meanwhile
// (the consume loop marks it in progress). Default [DefaultStoreRetry]; at
// most 0 means a single try.
func WithStoreRetry(d time.Duration) PoisonOption {
	return func(p *poisonQueue) { p.storeRetry = max(d, 0) }
}

// PoisonQueue returns the middleware that copies a message whose failure
// is final to the dead-letter stream through dl: a permanent failure
// (events.IsPermanent) at once, any other on delivery maxDeliver
// (MAX_DELIVER; 0: only permanent failures are final). A handler cancelled
// by the shutdown is not final: the loop hands the message back.
//
// The consumer allows maxDeliver + streams.ReserveDeliveries deliveries
// (streams.Consumer): a message delivered beyond maxDeliver is one whose
// last delivery ended unsettled (its worker was stopped or crashed, or its
// dead letter could not be stored). PoisonQueue does not run the handler
// on it again but stores its dead letter, with an *[UnsettledError].
//
// Once the copy is stored it returns an *events.DeadLetteredError, which
// the loop terminates. A copy that fails is logged to log. Before the last
// delivery, it returns a *[NotStoredError] at once: the loop redelivers
// the message after its backoff, so it is not lost. On delivery maxDeliver
// and beyond, where no redelivery, or only the reserve one, is left, it
// keeps the message and tries again, for [WithStoreRetry] or until the
// handler's context ends, before it returns the *NotStoredError.
func PoisonQueue(dl *deadletter.Publisher, maxDeliver int, log *slog.Logger, opts ...PoisonOption) (Middleware, error) {
	if dl == nil {
		return nil, errors.New("middleware: PoisonQueue needs a dead-letter publisher")
	}
	if maxDeliver < 0 {
		return nil, fmt.Errorf("middleware: PoisonQueue: max deliver %d is negative", maxDeliver)
	}
	p := &poisonQueue{dl: dl, maxDeliver: uint64(maxDeliver), log: log, storeRetry: DefaultStoreRetry}
	for _, o := range opts {
		o(p)
	}
	return p.middleware, nil
}

type poisonQueue struct {
	dl         *deadletter.Publisher
	maxDeliver uint64
	log        *slog.Logger
	storeRetry time.Duration
}

func (p *poisonQueue) middleware(next events.Handler) events.Handler {
	return func(ctx context.Context, msg jetstream.Msg) error {
		var delivered, seq uint64
		if md, mdErr := msg.Metadata(); mdErr == nil && md != nil {
			delivered, seq = md.NumDelivered, md.Sequence.Stream
		}
		last := p.maxDeliver > 0 && delivered >= p.maxDeliver
		if p.maxDeliver > 0 && delivered > p.maxDeliver {
			// The reserve delivery: the handler had its deliveries.
			return p.store(ctx, msg, &UnsettledError{MaxDeliver: p.maxDeliver}, delivered, seq, true)
		}
		err := next(ctx, msg)
		if err == nil || (ctx.Err() != nil && !events.IsPermanent(err)) {
			return err
		}
		if !events.IsPermanent(err) && !last {
			return err
		}
		return p.store(ctx, msg, err, delivered, seq, last)
	}
}

// store copies msg to the dead-letter stream with cause. With hold, a copy
// that fails is tried again, for p.storeRetry or until ctx ends (then once
// more).
func (p *poisonQueue) store(ctx context.Context, msg jetstream.Msg, cause error, delivered, seq uint64, hold bool) error {
	deadline := time.Now().Add(p.storeRetry)
	wait := firstStoreWait
	for try := 1; ; try++ {
		storeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		storeErr := p.dl.Publish(storeCtx, msg, cause, delivered)
		cancel()
		if storeErr == nil {
			if try > 1 {
				p.log.InfoContext(ctx, "dead letter stored", "subject", msg.Subject(), "stream_seq", seq, "delivery", delivered, "tries", try)
			}
			return &events.DeadLetteredError{Err: cause}
		}
		left := time.Until(deadline)
		if !hold || ctx.Err() != nil || left <= 0 {
			what := LogDeadLetterNotStored
			if p.maxDeliver > 0 && delivered > p.maxDeliver {
				what = LogDeadLetterNotStoredFinal
			}
			p.log.ErrorContext(ctx, what, "subject", msg.Subject(), "stream_seq", seq, "delivery", delivered,
				"tries", try, "cause", cause.Error(), "error", storeErr)
			return &NotStoredError{Err: cause, StoreErr: storeErr}
		}
		wait = min(wait, left)
		p.log.WarnContext(ctx, LogDeadLetterRetrying, "subject", msg.Subject(), "stream_seq", seq, "delivery", delivered,
			"tries", try, "retry_in", wait, "error", storeErr)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done(): // the worker stops: one more try
		case <-t.C:
		}
		t.Stop()
		wait = min(2*wait, maxStoreWait)
	}
}

// Log lines of a dead letter that could not be stored.
const (
	// LogDeadLetterRetrying: a try failed on the message's last delivery;
	// the message is held and the copy tried again.
	LogDeadLetterRetrying = "dead letter not stored; holding the message on its last delivery and trying again"
	// LogDeadLetterNotStored: the copy failed and the message is
	// redelivered (on its last delivery: once more, to store the dead
	// letter).
	LogDeadLetterNotStored = "dead letter not stored; the message will be redelivered"
	// LogDeadLetterNotStoredFinal: the copy failed on the reserve delivery,
	// for as long as it was tried: the message stays in the review stream
	// and JetStream delivers it no more (events.LogStranded).
	LogDeadLetterNotStoredFinal = "dead letter not stored on the message's final delivery; it stays in the review stream, delivered to no one"
)

// NotStoredError is a final failure whose dead letter could not be stored.
// It reads as Err but is neither permanent nor a retry request, whatever
// Err is: the consume loop redelivers the message after its backoff rather
// than lose it. It unwraps to StoreErr only.
type NotStoredError struct {
	// Err is the handler's failure; StoreErr why its copy failed.
	Err, StoreErr error
}

func (e *NotStoredError) Error() string { return e.Err.Error() }
func (e *NotStoredError) Unwrap() error { return e.StoreErr }

// UnsettledError is the failure recorded for a message on its reserve
// delivery (streams.ReserveDeliveries): its last delivery to the handler,
// delivery MaxDeliver, ended with the message neither acked nor
// dead-lettered.
type UnsettledError struct {
	// MaxDeliver is how many deliveries the handler had (MAX_DELIVER).
	MaxDeliver uint64
}

func (e *UnsettledError) Error() string {
	return fmt.Sprintf("delivery %d of %d ended unsettled: the worker was stopped or crashed during it, or could not store its dead letter", e.MaxDeliver, e.MaxDeliver)
}

// Class is the error type the dead letter records.
func (e *UnsettledError) Class() string { return "unsettled" }

// Diagnosis says where to look.
func (e *UnsettledError) Diagnosis() string {
	return fmt.Sprintf("The request's last allowed delivery (MAX_DELIVER=%d) ended without a result: its worker was stopped (a deploy or scale-down; the review outlived SHUTDOWN_GRACE), crashed or was killed (an out-of-memory kill, a lost node), or could not store the dead letter of its failure (its log says %q with this stream_seq, and why). Its earlier failures are in the workers' logs under the same stream_seq. Replay it once the cause is fixed.",
		e.MaxDeliver, LogDeadLetterNotStored)
}
