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

// PoisonQueue returns the middleware that copies a message whose failure
// is final to the dead-letter stream through dl: a permanent failure
// (events.IsPermanent) at once, any other on delivery maxDeliver (the
// consumer's MaxDeliver; 0: only permanent failures are final). A handler
// cancelled by the shutdown is not final: the loop hands the message back.
//
// Once the copy is stored it returns an *events.DeadLetteredError, which
// the loop terminates. When the copy fails it logs that to log and returns
// a *NotStoredError, which is not permanent: the loop redelivers the
// message after its backoff, so it is not lost.
func PoisonQueue(dl *deadletter.Publisher, maxDeliver int, log *slog.Logger) (Middleware, error) {
	if dl == nil {
		return nil, errors.New("middleware: PoisonQueue needs a dead-letter publisher")
	}
	if maxDeliver < 0 {
		return nil, fmt.Errorf("middleware: PoisonQueue: max deliver %d is negative", maxDeliver)
	}
	return func(next events.Handler) events.Handler {
		return func(ctx context.Context, msg jetstream.Msg) error {
			err := next(ctx, msg)
			if err == nil || (ctx.Err() != nil && !events.IsPermanent(err)) {
				return err
			}
			var delivered uint64
			if md, mdErr := msg.Metadata(); mdErr == nil && md != nil {
				delivered = md.NumDelivered
			}
			if !events.IsPermanent(err) && (maxDeliver == 0 || delivered < uint64(maxDeliver)) {
				return err
			}
			dlCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if dlErr := dl.Publish(dlCtx, msg, err, delivered); dlErr != nil {
				log.ErrorContext(ctx, LogDeadLetterNotStored, "subject", msg.Subject(), "error", dlErr)
				return &NotStoredError{Err: err, StoreErr: dlErr}
			}
			return &events.DeadLetteredError{Err: err}
		}
	}, nil
}

// LogDeadLetterNotStored is logged when a final failure's dead letter
// could not be stored.
const LogDeadLetterNotStored = "dead letter not stored; the message will be redelivered"

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
