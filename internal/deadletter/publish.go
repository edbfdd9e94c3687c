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
// JetStream stored the copy. A request so close to the server's
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
	if md, err := msg.Metadata(); err == nil {
		h.Set(HeaderOriginalSeq, strconv.FormatUint(md.Sequence.Stream, 10))
	}
	var c Classified
	if errors.As(cause, &c) {
		h.Set(HeaderErrorType, c.Class())
		h.Set(HeaderDiagnosis, truncate(c.Diagnosis(), maxDeadLetterHeader))
	}
	subject := d.names.DeadLetterSubjectPrefix() + strings.TrimPrefix(msg.Subject(), d.names.ReviewSubjectPrefix())
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
