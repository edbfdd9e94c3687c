package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

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
	// HeaderBodyOmitted, with the request's size in bytes, marks a dead
	// letter stored without its request: the copy with its headers did not
	// fit the server's max_payload. It cannot be replayed.
	HeaderBodyOmitted = "Azreviewer-Body-Omitted"
)

// maxDeadLetterHeader bounds the error and diagnosis headers of a dead
// letter.
const maxDeadLetterHeader = 4 << 10

// Classified is an error that can say what kind of failure it is and what
// to fix (azdo.Error is one). Dead letters record both.
type Classified interface {
	error
	Class() string
	Diagnosis() string
}

// EnsureDeadLetterStream creates or updates the dead-letter stream: a
// limits stream that operators list and replay. Entries stay until
// DeadLetterMaxAge; beyond DeadLetterMaxMsgs or DeadLetterMaxBytes the
// oldest are dropped, so a flood of failing requests cannot grow it without
// bound and storing a dead letter never fails for want of room. Lowering
// the limits of an existing stream drops its oldest entries at once.
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
		MaxBytes:    limit(cfg.DeadLetterMaxBytes),
		MaxMsgs:     limit(cfg.DeadLetterMaxMsgs),
		Discard:     jetstream.DiscardOld,
	})
	if err != nil {
		return nil, fmt.Errorf("create or update stream %s: %w", DeadLetterStream, limitsError(DeadLetterStream, cfg.DeadLetterMaxBytes, err))
	}
	return st, nil
}

// DeadLetters publishes dead letters.
type DeadLetters struct{ js jetstream.JetStream }

// NewDeadLetters returns a dead-letter publisher over js.
func NewDeadLetters(js jetstream.JetStream) *DeadLetters { return &DeadLetters{js: js} }

// Publish copies msg to the dead-letter stream with cause. It returns once
// JetStream stored the copy. A request so close to the server's
// max_payload that its copy with the dead-letter headers does not fit is
// recorded without its body (HeaderBodyOmitted), so it is not redelivered
// for ever for want of a dead letter.
func (d *DeadLetters) Publish(ctx context.Context, msg jetstream.Msg, cause error, deliveries uint64) error {
	h := nats.Header{}
	for k, v := range msg.Headers() {
		if k != jetstream.MsgIDHeader {
			h[k] = v
		}
	}
	h.Set(HeaderError, truncate(cause.Error(), maxDeadLetterHeader))
	h.Set(HeaderOriginalSubject, msg.Subject())
	h.Set(HeaderDeliveries, strconv.FormatUint(deliveries, 10))
	if md, err := msg.Metadata(); err == nil {
		h.Set(HeaderOriginalSeq, strconv.FormatUint(md.Sequence.Stream, 10))
	}
	var c Classified
	if errors.As(cause, &c) {
		h.Set(HeaderErrorType, c.Class())
		h.Set(HeaderDiagnosis, truncate(c.Diagnosis(), maxDeadLetterHeader))
	}
	subject := DeadLetterPrefix + msg.Subject()[len(SubjectPrefix):]
	dl := &nats.Msg{Subject: subject, Header: h, Data: msg.Data()}
	_, err := d.js.PublishMsg(ctx, dl)
	if errors.Is(err, nats.ErrMaxPayload) {
		h.Set(HeaderBodyOmitted, strconv.Itoa(len(dl.Data)))
		dl.Data = nil
		_, err = d.js.PublishMsg(ctx, dl)
	}
	if err != nil {
		return fmt.Errorf("publish dead letter %s: %w", subject, err)
	}
	return nil
}

// DeadLetter is one entry of the dead-letter stream.
type DeadLetter struct {
	Seq             uint64
	Time            time.Time
	OriginalSubject string
	Deliveries      int
	Error           string
	ErrorType       string
	Diagnosis       string
	// Request is the review request, when it could be decoded.
	Request *ReviewRequest
}

// ListDeadLetters returns up to limit dead letters, oldest first.
func ListDeadLetters(ctx context.Context, js jetstream.JetStream, limit int) ([]DeadLetter, error) {
	st, err := js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", DeadLetterStream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", DeadLetterStream, err)
	}
	var out []DeadLetter
	for seq := info.State.FirstSeq; seq != 0 && seq <= info.State.LastSeq && len(out) < limit; seq++ {
		raw, err := st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // replayed or deleted
		}
		if err != nil {
			return out, fmt.Errorf("read dead letter %d: %w", seq, err)
		}
		dl := DeadLetter{
			Seq: seq, Time: raw.Time, OriginalSubject: raw.Header.Get(HeaderOriginalSubject),
			Error: raw.Header.Get(HeaderError), ErrorType: raw.Header.Get(HeaderErrorType), Diagnosis: raw.Header.Get(HeaderDiagnosis),
		}
		dl.Deliveries, _ = strconv.Atoi(raw.Header.Get(HeaderDeliveries))
		if req, err := UnmarshalRequest(raw.Data); err == nil {
			dl.Request = req
		}
		out = append(out, dl)
	}
	return out, nil
}

// ReplayDeadLetter publishes dead letter seq to its original subject again,
// with its trace context, and removes it from the dead-letter stream. The
// new message has a de-duplication id of its own, so JetStream does not
// drop it as a repeat of the original.
func ReplayDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) (uint64, error) {
	st, err := js.Stream(ctx, DeadLetterStream)
	if err != nil {
		return 0, fmt.Errorf("open stream %s: %w", DeadLetterStream, err)
	}
	raw, err := st.GetMsg(ctx, seq)
	if err != nil {
		return 0, fmt.Errorf("read dead letter %d: %w", seq, err)
	}
	subject := raw.Header.Get(HeaderOriginalSubject)
	if !strings.HasPrefix(subject, SubjectPrefix) {
		return 0, fmt.Errorf("dead letter %d has no original subject", seq)
	}
	if n := raw.Header.Get(HeaderBodyOmitted); n != "" {
		return 0, fmt.Errorf("dead letter %d was stored without its request (%s bytes, too close to the server's max_payload); it cannot be replayed", seq, n)
	}
	h := nats.Header{}
	for _, k := range []string{"traceparent", "tracestate", "baggage"} {
		if v := raw.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	ack, err := js.PublishMsg(ctx, &nats.Msg{Subject: subject, Header: h, Data: raw.Data},
		jetstream.WithMsgID(fmt.Sprintf("replay:%d:%d", seq, time.Now().UnixNano())))
	if err != nil {
		return 0, fmt.Errorf("republish dead letter %d: %w", seq, err)
	}
	if err := st.DeleteMsg(ctx, seq); err != nil {
		return ack.Sequence, fmt.Errorf("dead letter %d was replayed as %d but not removed: %w", seq, ack.Sequence, err)
	}
	return ack.Sequence, nil
}
