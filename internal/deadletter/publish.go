package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/fleet"
)

// Classified is an error that can say what kind of failure it is and what
// to fix (azdo.Error is one). Dead letters record both.
type Classified interface {
	error
	Class() string
	Diagnosis() string
}

// Publisher copies failed messages to the dead-letter stream. Safe for
// concurrent use.
type Publisher struct {
	js    jetstream.JetStream
	names fleet.Names
}

// NewPublisher returns a publisher over js to the dead-letter stream of
// fleet names.
func NewPublisher(js jetstream.JetStream, names fleet.Names) *Publisher {
	return &Publisher{js: js, names: names}
}

// Publish copies msg to the dead-letter stream with cause. It returns once
// JetStream stored the copy. Copies of one stored request (its stream and
// sequence, [MsgID]) within the dead-letter stream's duplicate window (the
// server's default, 2 minutes) are one dead letter, so a copy may be
// tried again after any failure. A request so close to the server's
// max_payload that its copy with the dead-letter headers does not fit is
// recorded without its body (HeaderBodyOmitted), so it is not redelivered
// for ever for want of a dead letter.
func (d *Publisher) Publish(ctx context.Context, msg jetstream.Msg, cause error, deliveries uint64) error {
	h := nats.Header{}
	for k, v := range msg.Headers() {
		if k != jetstream.MsgIDHeader {
			h[k] = v
		}
	}
	h.Set(HeaderError, truncate(cause.Error(), maxDeadLetterHeader))
	h.Set(HeaderOriginalSubject, msg.Subject())
	h.Set(HeaderDeliveries, strconv.FormatUint(deliveries, 10))
	var opts []jetstream.PublishOpt
	if md, err := msg.Metadata(); err == nil && md != nil {
		h.Set(HeaderOriginalSeq, strconv.FormatUint(md.Sequence.Stream, 10))
		// One dead letter per stored request, however often its copy is
		// tried: a try that timed out may have been stored all the same.
		opts = append(opts, jetstream.WithMsgID(MsgID(md.Stream, md.Sequence.Stream)))
	}
	var c Classified
	if errors.As(cause, &c) {
		h.Set(HeaderErrorType, c.Class())
		h.Set(HeaderDiagnosis, truncate(c.Diagnosis(), maxDeadLetterHeader))
	}
	subject := d.names.DeadLetterSubjectPrefix() + strings.TrimPrefix(msg.Subject(), d.names.ReviewSubjectPrefix())
	dl := &nats.Msg{Subject: subject, Header: h, Data: msg.Data()}
	_, err := d.js.PublishMsg(ctx, dl, opts...)
	if errors.Is(err, nats.ErrMaxPayload) {
		h.Set(HeaderBodyOmitted, strconv.Itoa(len(dl.Data)))
		dl.Data = nil
		_, err = d.js.PublishMsg(ctx, dl, opts...)
	}
	if err != nil {
		return fmt.Errorf("publish dead letter %s: %w", subject, err)
	}
	return nil
}

// MsgID is the de-duplication id of the dead letter of the request stored
// at seq of stream.
func MsgID(stream string, seq uint64) string {
	return "dead-letter:" + stream + ":" + strconv.FormatUint(seq, 10)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
