package ingest

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config configures the webhook handler.
type Config struct {
	// BasicUser and BasicPassword, when set, are required as HTTP Basic
	// credentials (Azure DevOps' "Basic authentication" subscription option).
	BasicUser     string
	BasicPassword string
	// Token, when set, is required as the ?token= query parameter of the
	// webhook URL. When both Basic credentials and Token are set, a delivery
	// must carry both.
	Token string
	// Orgs, when set, are the only organisations whose events are
	// published; events that name another are acknowledged with 200, counted
	// and traced as ignored. Nil: every organisation.
	Orgs *Organisations
	// InsecureNoAuth accepts unauthenticated deliveries. Without it, a
	// handler with no credentials configured refuses to start.
	InsecureNoAuth bool
	// MaxBodyBytes bounds a delivery; larger ones get 413. Default 2 MiB,
	// Azure DevOps' own payload limit.
	MaxBodyBytes int64
	// PublishTimeout bounds the wait for JetStream's acknowledgement before
	// answering 503. Default 10 s.
	PublishTimeout time.Duration
	// MaxInFlightBytes bounds the memory held by the bodies of the
	// authenticated deliveries being read, parsed or published at once.
	// Each delivery reserves its Content-Length (MaxBodyBytes when the
	// length is not declared), at least [MinDeliveryReservation], before
	// its body is read; a delivery that does not fit is answered 503 with
	// Retry-After at once, without reading its body. At least MaxBodyBytes.
	// Default 32 MiB: 16 deliveries of 2 MiB, or 512 small ones.
	MaxInFlightBytes int64
	// BodyTimeout bounds the reading of one delivery's body, from the end of
	// its headers; a body still incomplete then is answered 408 (Azure
	// DevOps retries 408). Default 10 s.
	BodyTimeout time.Duration
	// Logger receives one line per delivery. Default slog.Default().
	Logger *slog.Logger
}

// defaultMaxBodyBytes is Azure DevOps' own payload limit.
const defaultMaxBodyBytes = 2 << 20

// MinDeliveryReservation is the least a delivery reserves of
// Config.MaxInFlightBytes, however small its body: it also holds a
// goroutine, buffers and the parsed request.
const MinDeliveryReservation = 64 << 10

// Validate says what an operator must fix: [ErrNoAuthentication], or a
// *SettingError naming the Config field.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.BasicUser != "" && c.BasicPassword == "":
		errs = append(errs, &SettingError{Setting: "BasicPassword", Reason: "not set, but the Basic-auth user is: set both, or neither"})
	case c.BasicUser == "" && c.BasicPassword != "":
		errs = append(errs, &SettingError{Setting: "BasicUser", Reason: "not set, but the Basic-auth password is: set both, or neither"})
	}
	if c.BasicUser == "" && c.Token == "" && !c.InsecureNoAuth {
		errs = append(errs, ErrNoAuthentication)
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, &SettingError{Setting: "MaxBodyBytes", Reason: "must not be negative"})
	}
	if c.PublishTimeout < 0 {
		errs = append(errs, &SettingError{Setting: "PublishTimeout", Reason: "must not be negative"})
	}
	if d := c.withDefaults(); d.MaxInFlightBytes < d.MaxBodyBytes {
		errs = append(errs, &SettingError{Setting: "MaxInFlightBytes", Reason: fmt.Sprintf("must be at least the body limit (%d bytes)", d.MaxBodyBytes)})
	}
	if c.BodyTimeout < 0 {
		errs = append(errs, &SettingError{Setting: "BodyTimeout", Reason: "must not be negative"})
	}
	return errors.Join(errs...)
}

// ErrNoAuthentication: no credentials are configured (BasicUser and
// BasicPassword, Token) and unauthenticated deliveries are not accepted
// (InsecureNoAuth).
var ErrNoAuthentication = errors.New("no webhook authentication configured")

// SettingError is one mistake in a [Config]: Setting is the field's name
// ("BodyTimeout"); the program that reads the configuration knows what an
// operator sets for it.
type SettingError struct {
	Setting string
	Reason  string
}

func (e *SettingError) Error() string { return e.Setting + ": " + e.Reason }

func (c Config) withDefaults() Config {
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, defaultMaxBodyBytes)
	c.PublishTimeout = cmp.Or(c.PublishTimeout, 10*time.Second)
	c.MaxInFlightBytes = cmp.Or(c.MaxInFlightBytes, 32<<20)
	c.BodyTimeout = cmp.Or(c.BodyTimeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
