package middleware

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sourcegraph/conc/panics"

	"github.com/azreviewer/azreviewer/internal/events"
)

// PanicError is a handler panic turned into an error; the message is
// redelivered like any other failure, and dead-lettered on its last
// delivery.
type PanicError struct{ Recovered *panics.Recovered }

func (e *PanicError) Error() string { return "handler panicked: " + fmt.Sprint(e.Recovered.Value) }

// Recoverer returns a middleware that turns a panic of the handler it wraps
// into a *PanicError, logged with its stack to log.
func Recoverer(log *slog.Logger) Middleware {
	return func(next events.Handler) events.Handler {
		return func(ctx context.Context, msg jetstream.Msg) error {
			var err error
			if r := panics.Try(func() { err = next(ctx, msg) }); r != nil {
				log.ErrorContext(ctx, "handler panicked", "subject", msg.Subject(), "panic", r.Value, "stack", string(r.Stack))
				return &PanicError{Recovered: r}
			}
			return err
		}
	}
}
