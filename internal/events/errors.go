package events

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// PayloadError says what is wrong with a webhook body. Ingest answers it
// with 400 and the error as JSON.
type PayloadError struct {
	// Field is the JSON path of the offending field, empty for the body.
	Field  string
	Reason string
}

func (e *PayloadError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// PermanentError marks a failure that retrying cannot fix. The consume loop
// terminates the message instead of redelivering it.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so the consume loop terminates the message.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
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
// (for example Azure DevOps' Retry-After).
func RetryAfter(d time.Duration, err error) error {
	return &RetryError{Delay: d, Err: err}
}

// IsPermanent reports whether err, or an error it wraps, is permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

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

// StreamLimitsError means the server refused a stream's limits: it cannot
// reserve MaxBytes (the server's or the account's JetStream storage is
// smaller). Retrying cannot help; the configuration must change.
type StreamLimitsError struct {
	Stream   string
	MaxBytes int64
	Err      error
}

func (e *StreamLimitsError) Error() string {
	return fmt.Sprintf("stream %s: the server cannot reserve %d bytes for it: %v", e.Stream, e.MaxBytes, e.Err)
}

func (e *StreamLimitsError) Unwrap() error { return e.Err }

// limitsError types the server's refusal to reserve a stream's bytes.
func limitsError(stream string, maxBytes int64, err error) error {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode == errCodeMemoryResourcesExceeded || apiErr.ErrorCode == errCodeStorageResourcesExceeded) {
		return &StreamLimitsError{Stream: stream, MaxBytes: maxBytes, Err: err}
	}
	return err
}
