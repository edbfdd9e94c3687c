package events

import (
	"errors"
	"fmt"
	"time"
)

// permanentError marks a failure that retrying cannot fix. The consume
// loop terminates the message instead of redelivering it.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent wraps err so the consume loop terminates the message
// ([IsPermanent] reports it).
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// RetryError asks the consume loop to redeliver the message after Delay.
type RetryError struct {
	Delay time.Duration
	Err   error
}

func (e *RetryError) Error() string {
	return fmt.Sprintf("retry in %s: %v", e.Delay, e.Err)
}
func (e *RetryError) Unwrap() error { return e.Err }

// RetryAfter wraps err so the consume loop naks the message with delay d
// (for example Azure DevOps' Retry-After), at most the loop's
// MaxRetryDelay.
func RetryAfter(d time.Duration, err error) error {
	return &RetryError{Delay: d, Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// DeadLetteredError says that the message that failed with Err has been
// copied to the dead-letter stream: the consume loop terminates it and
// reports [SettleDeadLetter]. The poison middleware returns it
// (events/middleware.PoisonQueue); it reads as Err.
type DeadLetteredError struct{ Err error }

func (e *DeadLetteredError) Error() string { return e.Err.Error() }
func (e *DeadLetteredError) Unwrap() error { return e.Err }

// InvalidRequestError is a review request whose fields cannot be used as
// JetStream keys or subject tokens. Ingest refuses such deliveries; a worker
// that receives one anyway (written by an older ingest, or published by
// hand) terminates it as a dead letter with error type "invalid_request",
// since no retry can change its shape.
type InvalidRequestError struct {
	// Field is the review request's JSON field ("repository_id").
	Field  string
	Reason string
	// Err is the error that revealed it, if any.
	Err error
}

func (e *InvalidRequestError) Error() string {
	msg := "invalid review request: " + e.Field + ": " + e.Reason
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *InvalidRequestError) Unwrap() error { return e.Err }

// Class is the error type recorded on dead letters and metrics.
func (e *InvalidRequestError) Class() string { return "invalid_request" }

// Diagnosis says what to do about it.
func (e *InvalidRequestError) Diagnosis() string {
	return "The review request's " + e.Field + " is not an Azure DevOps id (1 to 64 letters, digits, '-' or '_'), so it cannot name a JetStream key or subject; it was not published by a current ingest. Drop the dead letter; the next webhook for the pull request is reviewed normally."
}

// QueueFullError means the review stream is at its message or byte limit
// (it discards new messages rather than old work) or the server has no
// storage left. Ingest answers 503 with Retry-After, so Azure DevOps
// delivers again later.
type QueueFullError struct {
	// Reason is the server's, e.g. "maximum bytes exceeded".
	Reason string
	Err    error
}

func (e *QueueFullError) Error() string { return "the review queue is full (" + e.Reason + ")" }
func (e *QueueFullError) Unwrap() error { return e.Err }

// MessageTooLargeError means a review request does not fit in one NATS
// message: it is larger than the server's max_payload (or the stream's
// maximum message size). Retrying cannot help; ingest answers 413.
type MessageTooLargeError struct {
	// Size is the encoded request's size in bytes, without headers.
	Size int
	// MaxPayload is the connected server's max_payload in bytes.
	MaxPayload int64
	Err        error
}

func (e *MessageTooLargeError) Error() string {
	return fmt.Sprintf("review request of %d bytes does not fit the NATS server's max_payload of %d bytes (headers included): %v", e.Size, e.MaxPayload, e.Err)
}

func (e *MessageTooLargeError) Unwrap() error { return e.Err }
