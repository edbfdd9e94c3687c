package events

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/fleet"
)

const tracerName = "github.com/azreviewer/azreviewer/internal/events"

// Publisher publishes review requests to JetStream. It is safe for
// concurrent use.
type Publisher struct {
	js     jetstream.JetStream
	names  fleet.Names
	tracer trace.Tracer
}

// NewPublisher returns a Publisher over js to the review stream of fleet
// names, tracing with the global tracer provider.
func NewPublisher(js jetstream.JetStream, names fleet.Names) *Publisher {
	return &Publisher{js: js, names: names, tracer: otel.Tracer(tracerName)}
}

// Published is the outcome of an acknowledged publish.
type Published struct {
	Sequence uint64
	// Duplicate is true when JetStream had already stored a message with the
	// same Nats-Msg-Id inside its duplicate window.
	Duplicate bool
	// MsgID is the Nats-Msg-Id it was published with: req.MsgID().
	MsgID string
}

// Publish stores req in the stream and returns once JetStream acknowledged
// it. The message carries Nats-Msg-Id = req.MsgID() and the caller's trace
// context. Errors a caller decides on: an *InvalidRequestError (req cannot
// name a subject; nothing was sent), a *MessageTooLargeError (it never fits)
// and a *QueueFullError (the stream is at its limits; later it may fit).
func (p *Publisher) Publish(ctx context.Context, req *ReviewRequest) (Published, error) {
	if err := req.Validate(); err != nil {
		return Published{}, err
	}
	data, err := req.Marshal()
	if err != nil {
		return Published{}, fmt.Errorf("encode review request: %w", err)
	}
	subject, msgID := req.Subject(p.names), req.MsgID()
	ctx, span := p.tracer.Start(ctx, "send "+subject,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String("nats"),
			semconv.MessagingOperationName("send"),
			semconv.MessagingOperationTypeSend,
			semconv.MessagingDestinationName(subject),
			semconv.MessagingMessageID(msgID),
			semconv.MessagingMessageBodySize(len(data)),
			attribute.Int("azdo.pull_request.id", req.PullRequestID),
			attribute.String("azdo.repository.id", req.RepositoryID),
			attribute.String("azreviewer.trigger", string(req.Trigger)),
		))
	defer span.End()

	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	otel.GetTextMapPropagator().Inject(ctx, headerCarrier(msg.Header))
	ack, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "publish failed")
		return Published{}, fmt.Errorf("publish %s: %w", subject, p.classify(err, len(data)))
	}
	span.SetAttributes(
		attribute.Int64("nats.jetstream.stream_seq", int64(ack.Sequence)),
		attribute.Bool("nats.jetstream.duplicate", ack.Duplicate),
	)
	return Published{Sequence: ack.Sequence, Duplicate: ack.Duplicate, MsgID: msgID}, nil
}

// classify turns the publish errors a caller must answer differently into
// their types: a message over the server's max_payload (refused by the
// client before sending) or over the stream's maximum message size, and a
// stream at its limits.
func (p *Publisher) classify(err error, size int) error {
	var apiErr *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrMaxPayload):
		return &MessageTooLargeError{Size: size, MaxPayload: p.js.Conn().MaxPayload(), Err: err}
	case !errors.As(err, &apiErr):
		return err
	case apiErr.ErrorCode == jetstream.JSErrCodeStreamMessageExceedsMaximum:
		return &MessageTooLargeError{Size: size, MaxPayload: p.js.Conn().MaxPayload(), Err: err}
	case apiErr.ErrorCode == errCodeStreamStoreFailed && strings.HasPrefix(apiErr.Description, "maximum "),
		apiErr.ErrorCode == errCodeInsufficientResources:
		// "maximum messages exceeded", "maximum bytes exceeded": the
		// stream discards new messages when full; or the server's storage
		// is exhausted.
		return &QueueFullError{Reason: apiErr.Description, Err: err}
	}
	return err
}

// JetStream error codes that nats.go does not name (nats-server's
// JSStreamStoreFailedF, JSInsufficientResourcesErr).
const (
	errCodeStreamStoreFailed     jetstream.ErrorCode = 10077
	errCodeInsufficientResources jetstream.ErrorCode = 10023
)
