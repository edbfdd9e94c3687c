package events

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

const tracerName = "github.com/azreviewer/azreviewer/internal/events"

// Publisher publishes review requests to JetStream. It is safe for
// concurrent use.
type Publisher struct {
	js     jetstream.JetStream
	tracer trace.Tracer
}

// NewPublisher returns a Publisher over js, tracing with the global tracer
// provider.
func NewPublisher(js jetstream.JetStream) *Publisher {
	return &Publisher{js: js, tracer: otel.Tracer(tracerName)}
}

// Published is the outcome of an acknowledged publish.
type Published struct {
	Sequence uint64
	// Duplicate is true when JetStream had already stored a message with the
	// same Nats-Msg-Id inside its duplicate window.
	Duplicate bool
}

// Publish stores req in the stream and returns once JetStream acknowledged
// it. The message carries Nats-Msg-Id = req.MsgID() and the caller's trace
// context.
func (p *Publisher) Publish(ctx context.Context, req *ReviewRequest) (Published, error) {
	data, err := req.Marshal()
	if err != nil {
		return Published{}, fmt.Errorf("encode review request: %w", err)
	}
	subject := req.Subject()
	ctx, span := p.tracer.Start(ctx, "send "+subject,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String("nats"),
			semconv.MessagingOperationName("send"),
			semconv.MessagingOperationTypeSend,
			semconv.MessagingDestinationName(subject),
			semconv.MessagingMessageID(req.MsgID()),
			semconv.MessagingMessageBodySize(len(data)),
			attribute.Int("azdo.pull_request.id", req.PullRequestID),
			attribute.String("azdo.repository.id", req.RepositoryID),
			attribute.String("azreviewer.trigger", string(req.Trigger)),
		))
	defer span.End()

	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	otel.GetTextMapPropagator().Inject(ctx, HeaderCarrier(msg.Header))
	ack, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(req.MsgID()))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "publish failed")
		return Published{}, fmt.Errorf("publish %s: %w", subject, err)
	}
	span.SetAttributes(
		attribute.Int64("nats.jetstream.stream_seq", int64(ack.Sequence)),
		attribute.Bool("nats.jetstream.duplicate", ack.Duplicate),
	)
	return Published{Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
}
