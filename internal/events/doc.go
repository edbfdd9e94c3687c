// Package events is the message contract between ingest and the workers:
// the [ReviewRequest] that travels through NATS JetStream and its limits,
// its subjects, publishing with de-duplication ids and trace context
// ([Publisher]), and the bounded, heartbeating consume loop ([Consume])
// that settles every message (ack, nak with delay, or term) as its
// handler's error says.
//
// The rooms around it: package servicehooks reads Azure DevOps' webhook
// format, ingest decides which deliveries ask for a review, streams
// provisions the stream and consumer, deadletter keeps what failed for
// good, coordination holds the per-pull-request leases and review state,
// and events/middleware holds the layers a handler is wrapped in.
//
// # Subjects and stream
//
// Review requests are published on
//
//	<fleet>.review.<repositoryId>.<pullRequestId>
//
// to the fleet's work-queue stream (AZREVIEWER_REVIEWS for the default
// fleet, see package fleet), consumed by the durable pull consumer
// "workers" that every worker replica of the fleet shares. The repository id is
// one subject token and part of the coordination key, so ingest accepts only
// ids of 1 to 64 ASCII letters, digits, '-' and '_' (see [ValidID]; every
// Azure DevOps GUID is one).
//
// # Limits
//
// A request carries at most [MaxCommentBytes] of comment text; one larger
// than the server's max_payload is refused with a *[MessageTooLargeError],
// and one the full stream cannot take with a *[QueueFullError].
//
// # Settlement
//
// A [Handler]'s error decides: nil acks; [Permanent] terminates; a
// *[DeadLetteredError] (from the poison middleware) terminates as a dead
// letter; [RetryAfter] naks with its delay, at most
// [ConsumeConfig].MaxRetryDelay (5 minutes by default); anything else naks
// with the loop's backoff. A handler cancelled by the shutdown is nak'ed for
// another worker at once.
//
// # Order
//
// A message's [Delivery] (its stream, sequence and store time, from its
// metadata) travels with the request it decodes to, outside the message.
// A stream's [Position] (its last sequence and the server's time of the
// read, from [StreamPositions]) then tells whether a message was stored
// before the position was read ([Position.Precedes]): the worker keeps
// the position read just before a review read the pull request's
// iterations, and skips the push events it precedes without calling Azure
// DevOps.
//
// # Trace context
//
// The publisher injects W3C trace context into the NATS headers under the
// lowercase keys "traceparent" and "tracestate"; the consume loop extracts it
// so one trace follows a webhook from ingest into the worker.
package events
