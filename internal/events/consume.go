package events

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Handler processes one message. Its error decides how the message is
// settled: nil acks it; a [Permanent] error terminates it; a
// *[DeadLetteredError] terminates it as a dead letter; a *[RetryError] naks
// it with the given delay, at most [ConsumeConfig].MaxRetryDelay; any other
// error naks it with the consume loop's backoff. Handlers, and the
// middlewares that wrap them (events/middleware), never settle messages
// themselves.
//
// On the consumer's last delivery (its MaxDeliver) JetStream delivers a
// message no more, whatever the loop answers, and a work-queue stream keeps
// what was not acked or terminated: there a handler must return nil or a
// *DeadLetteredError. Any other error is reported as [SettleStranded].
type Handler func(ctx context.Context, msg jetstream.Msg) error

// Settlement is how a message was settled.
type Settlement string

// Settlements.
const (
	SettleAck  Settlement = "ack"
	SettleNak  Settlement = "nak"
	SettleTerm Settlement = "term"
	// SettleDeadLetter: copied to the dead-letter stream, then terminated
	// (the handler returned a *DeadLetteredError).
	SettleDeadLetter Settlement = "dead_letter"
	// SettleStranded: nak'ed on the consumer's last delivery (MaxDeliver),
	// so JetStream delivers it no more; it stays in a work-queue stream,
	// delivered to no one, until the consumer is re-created ([LogStranded]).
	SettleStranded Settlement = "stranded"
)

// LogStranded is logged, at error level, for a message settled as
// [SettleStranded].
const LogStranded = "message unsettled on its last delivery: JetStream will not deliver it again, and it stays in the stream until the consumer is re-created"

// ConsumeConfig tunes [Consume]. The zero value is usable.
type ConsumeConfig struct {
	// Concurrency is how many messages are handled at once. Default 4.
	Concurrency int
	// Heartbeat is how often a running handler's message is marked in
	// progress, so JetStream does not redeliver it. Keep it well inside the
	// consumer's AckWait. Default 15 s.
	Heartbeat time.Duration
	// ShutdownGrace is how long running handlers may continue after the
	// context is cancelled before their own context is cancelled and their
	// messages are nak'ed for another worker. Default 30 s.
	ShutdownGrace time.Duration
	// Backoff returns the redelivery delay after a failed delivery (1 for the
	// first). Default: 5 s doubling per delivery, at most 5 min.
	Backoff func(delivery uint64) time.Duration
	// MaxRetryDelay bounds the redelivery delay a *[RetryError] asks for
	// (Azure DevOps' Retry-After, through the worker): a longer one naks
	// for MaxRetryDelay. A message nak'ed with a delay is out of reach
	// until then — no operator action brings it back sooner — so one
	// absurd Retry-After must not park it for a month. Default
	// 5 minutes, the default backoff's longest delay.
	MaxRetryDelay time.Duration
	// Logger receives one line per settled message. Default slog.Default().
	Logger *slog.Logger
	// OnSettled, if set, is called after each message is settled.
	OnSettled func(s Settlement, err error, took time.Duration)
}

func (c ConsumeConfig) withDefaults() ConsumeConfig {
	c.Concurrency = cmp.Or(c.Concurrency, 4)
	c.Heartbeat = cmp.Or(c.Heartbeat, 15*time.Second)
	c.ShutdownGrace = cmp.Or(c.ShutdownGrace, 30*time.Second)
	if c.MaxRetryDelay <= 0 {
		c.MaxRetryDelay = defaultMaxRetryDelay
	}
	if c.Backoff == nil {
		c.Backoff = defaultBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// defaultMaxRetryDelay is ConsumeConfig.MaxRetryDelay's default and the
// default backoff's longest delay: 5 minutes.
const defaultMaxRetryDelay = 5 * time.Minute

// defaultBackoff is 5 s doubling per failed delivery, capped at
// defaultMaxRetryDelay.
func defaultBackoff(delivery uint64) time.Duration {
	d := 5 * time.Second
	for i := uint64(1); i < delivery && d < defaultMaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, defaultMaxRetryDelay)
}

// panicError is a handler panic that no middleware recovered, turned into
// an error; the message is redelivered like any other failure.
type panicError struct{ recovered *panics.Recovered }

func (e *panicError) Error() string { return "handler panicked: " + fmt.Sprint(e.recovered.Value) }

// Consume pulls messages from cons and runs handle on at most
// cfg.Concurrency of them at once, until ctx is cancelled. It then stops
// pulling, lets running handlers finish within cfg.ShutdownGrace, cancels the
// rest (their messages are nak'ed for immediate redelivery) and returns.
//
// Consume is the only place a message is settled (see [Handler]). It
// recovers a panic that escapes handle, so that a chain without
// middleware.Recoverer cannot crash the process.
func Consume(ctx context.Context, cons jetstream.Consumer, cfg ConsumeConfig, handle Handler) error {
	cfg = cfg.withDefaults()
	iter, err := cons.Messages(jetstream.PullMaxMessages(1))
	if err != nil {
		return fmt.Errorf("start pulling: %w", err)
	}
	stopped := context.AfterFunc(ctx, iter.Stop)
	defer stopped()

	// Handlers run on their own context so a shutdown lets them finish.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stopping := make(chan struct{})
	stopStopping := context.AfterFunc(ctx, func() {
		defer close(stopping)
		cfg.Logger.InfoContext(ctx, "stopping: taking no new messages; running ones may finish", "grace", cfg.ShutdownGrace)
		t := time.AfterFunc(cfg.ShutdownGrace, cancelWork)
		context.AfterFunc(workCtx, func() { t.Stop() })
	})
	defer func() {
		// Its log line is written before Consume returns.
		if !stopStopping() {
			<-stopping
		}
	}()

	c := &consumer{cfg: cfg, handle: handle, tracer: otel.Tracer(tracerName)}
	if info := cons.CachedInfo(); info != nil {
		c.name = info.Name
		c.maxDeliver = uint64(max(info.Config.MaxDeliver, 0)) // -1: no limit
	}
	p := pool.New().WithMaxGoroutines(cfg.Concurrency)
	for {
		msg, err := iter.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			cfg.Logger.WarnContext(ctx, "pull failed; retrying", "error", err)
			continue
		}
		p.Go(func() { c.process(workCtx, msg) })
	}
	p.Wait()
	return nil
}

type consumer struct {
	name string
	// maxDeliver is the consumer's MaxDeliver; 0: none.
	maxDeliver uint64
	cfg        ConsumeConfig
	handle     Handler
	tracer     trace.Tracer
}

func (c *consumer) process(ctx context.Context, msg jetstream.Msg) {
	start := time.Now()
	md, _ := msg.Metadata()
	var delivered, seq uint64
	if md != nil {
		delivered, seq = md.NumDelivered, md.Sequence.Stream
	}

	creation := otel.GetTextMapPropagator().Extract(ctx, headerCarrier(msg.Headers()))
	ctx, span := c.tracer.Start(creation, "process "+msg.Subject(),
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithLinks(trace.LinkFromContext(creation)),
		trace.WithAttributes(
			semconv.MessagingSystemKey.String("nats"),
			semconv.MessagingOperationName("process"),
			semconv.MessagingOperationTypeProcess,
			semconv.MessagingDestinationName(msg.Subject()),
			semconv.MessagingConsumerGroupName(c.name),
			semconv.MessagingMessageID(msg.Headers().Get("Nats-Msg-Id")),
			attribute.Int64("nats.jetstream.delivery_count", int64(delivered)),
			attribute.Int64("nats.jetstream.stream_seq", int64(seq)),
		))
	defer span.End()

	err := c.run(ctx, msg)
	settlement, delay := c.settle(ctx, msg, err, delivered)
	took := time.Since(start)

	span.SetAttributes(attribute.String("azreviewer.settlement", string(settlement)))
	log := c.cfg.Logger.With("subject", msg.Subject(), "stream_seq", seq, "delivery", delivered,
		"settlement", settlement, "took", took.Round(time.Millisecond).String())
	switch {
	case err == nil:
		log.DebugContext(ctx, "message handled")
	case settlement == SettleStranded:
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		log.ErrorContext(ctx, LogStranded, "error", err, "max_deliver", c.maxDeliver)
	case handedBack(ctx, err):
		// Not a failure: the shutdown grace ran out and the message is
		// given to another worker now.
		span.SetAttributes(attribute.Bool("azreviewer.handed_back", true))
		log.InfoContext(ctx, "message handed back: the process is stopping; another worker takes it now")
	case settlement == SettleTerm || settlement == SettleDeadLetter:
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		log.ErrorContext(ctx, "message failed permanently; not retried", "error", err)
	default:
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		log.WarnContext(ctx, "message failed; will be redelivered", "error", err, "retry_in", delay)
	}
	if c.cfg.OnSettled != nil {
		c.cfg.OnSettled(settlement, err, took)
	}
}

// handedBack reports whether err only says that the shutdown ended the
// handler: its context was cancelled, and the error says so.
func handedBack(ctx context.Context, err error) bool {
	return ctx.Err() != nil && errors.Is(err, context.Canceled) && !IsPermanent(err)
}

// run calls the handler with heartbeats and panic recovery.
func (c *consumer) run(ctx context.Context, msg jetstream.Msg) error {
	hbCtx, stopHeartbeat := context.WithCancel(ctx)
	defer stopHeartbeat()
	_ = msg.InProgress() // restart AckWait now: the message may have waited for a free slot
	go func() {
		t := time.NewTicker(c.cfg.Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hbCtx.Done():
				return
			case <-t.C:
				if err := msg.InProgress(); err != nil {
					c.cfg.Logger.WarnContext(ctx, "heartbeat failed", "subject", msg.Subject(), "error", err)
				}
			}
		}
	}()

	var err error
	if r := panics.Try(func() { err = c.handle(ctx, msg) }); r != nil {
		c.cfg.Logger.ErrorContext(ctx, "handler panicked", "subject", msg.Subject(), "panic", r.Value, "stack", string(r.Stack))
		return &panicError{recovered: r}
	}
	return err
}

func (c *consumer) settle(ctx context.Context, msg jetstream.Msg, err error, delivered uint64) (Settlement, time.Duration) {
	var retry *RetryError
	var dead *DeadLetteredError
	var settleErr error
	settlement, delay := SettleNak, time.Duration(0)
	switch {
	case err == nil:
		ackCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		settleErr = msg.DoubleAck(ackCtx)
		settlement = SettleAck
	case errors.As(err, &dead):
		settleErr = msg.TermWithReason(truncate(err.Error(), 256))
		settlement = SettleDeadLetter
	case IsPermanent(err):
		settleErr = msg.TermWithReason(truncate(err.Error(), 256))
		settlement = SettleTerm
	case c.maxDeliver > 0 && delivered >= c.maxDeliver:
		// No answer brings it back: a nak now at least ends its delivery
		// at once (and lets JetStream send its max-deliveries advisory).
		settleErr = msg.Nak()
		settlement = SettleStranded
	case ctx.Err() != nil:
		// Shutdown cancelled the handler: give the message to another worker now.
		settleErr = msg.Nak()
	case errors.As(err, &retry):
		delay = min(retry.Delay, c.cfg.MaxRetryDelay)
		if delay < retry.Delay {
			c.cfg.Logger.WarnContext(ctx, "the handler asked for a redelivery later than the loop's maximum; redelivering at the maximum",
				"subject", msg.Subject(), "asked", retry.Delay.String(), "retry_in", delay.String())
		}
		settleErr = msg.NakWithDelay(delay)
	default:
		delay = c.cfg.Backoff(max(delivered, 1))
		settleErr = msg.NakWithDelay(delay)
	}
	switch {
	case settleErr == nil:
	case c.maxDeliver > 0 && delivered >= c.maxDeliver && settlement != SettleStranded:
		c.cfg.Logger.ErrorContext(ctx, "settling message failed on its last delivery; unless JetStream got it, the message stays in the stream, delivered to no one",
			"subject", msg.Subject(), "settlement", settlement, "error", settleErr)
	default:
		c.cfg.Logger.WarnContext(ctx, "settling message failed; it will be redelivered after AckWait",
			"subject", msg.Subject(), "settlement", settlement, "error", settleErr)
	}
	return settlement, delay
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
