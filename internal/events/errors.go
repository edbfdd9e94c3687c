package events

import (
	"errors"
	"fmt"
	"time"
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
