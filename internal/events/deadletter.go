package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Dead letters: review requests that failed permanently, or failed on their
// last allowed delivery, are copied to their own stream with the error and
// its diagnosis before the original is terminated, so nothing accepted is
// lost without a record.
const (
	DeadLetterStream = "AZREVIEWER_DEAD_LETTERS"
	DeadLetterPrefix = "azreviewer.deadletter."
)

// Headers of a dead letter.
const (
	HeaderError           = "Azreviewer-Error"
	HeaderErrorType       = "Azreviewer-Error-Type"
	HeaderDiagnosis       = "Azreviewer-Diagnosis"
	HeaderOriginalSubject = "Azreviewer-Original-Subject"
	HeaderOriginalSeq     = "Azreviewer-Original-Seq"
	HeaderDeliveries      = "Azreviewer-Deliveries"
)

// Classified is an error that can say what kind of failure it is and what
// to fix (azdo.Error is one). Dead letters record both.
type Classified interface {
	error
	Class() string
	Diagnosis() string
}

// EnsureDeadLetterStream creates or updates the dead-letter stream: a
// limits stream (entries stay until MaxAge) that operators list and replay.
func EnsureDeadLetterStream(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) (jetstream.Stream, error) {
	cfg = cfg.withDefaults()
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        DeadLetterStream,
		Description: "Review requests that failed, with the error and its diagnosis",
		Subjects:    []string{DeadLetterPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     cfg.storage(),
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.DeadLetterMaxAge,
	})
	if err != nil {
		return nil, fmt.Errorf("create or update stream %s: %w", DeadLetterStream, err)
	}
	return st, nil
}

// DeadLetters publishes dead letters.
type DeadLetters struct{ js jetstream.JetStream }

// NewDeadLetters returns a dead-letter publisher over js.
func NewDeadLetters(js jetstream.JetStream) *DeadLetters { return &DeadLetters{js: js} }

// Publish copies msg to the dead-letter stream with cause. It returns once
// JetStream stored the copy.
func (d *DeadLetters) Publish(ctx context.Context, msg jetstream.Msg, cause error, deliveries uint64) error {
	h := nats.Header{}
	for k, v := range msg.Headers() {
		if k != jetstream.MsgIDHeader {
			h[k] = v
		}
	}
	h.Set(HeaderError, cause.Error())
	h.Set(HeaderOriginalSubject, msg.Subject())
	h.Set(HeaderDeliveries, strconv.FormatUint(deliveries, 10))
	if md, err := msg.Metadata(); err == nil {
		h.Set(HeaderOriginalSeq, strconv.FormatUint(md.Sequence.Stream, 10))
	}
	var c Classified
	if errors.As(cause, &c) {
		h.Set(HeaderErrorType, c.Class())
		h.Set(HeaderDiagnosis, c.Diagnosis())
	}
	subject := DeadLetterPrefix + msg.Subject()[len(SubjectPrefix):]
	if _, err := d.js.PublishMsg(ctx, &nats.Msg{Subject: subject, Header: h, Data: msg.Data()}); err != nil {
		return fmt.Errorf("publish dead letter %s: %w", subject, err)
	}
	return nil
}
