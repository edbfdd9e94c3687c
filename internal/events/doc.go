// Package events is the contract between ingest and the workers.
//
// It parses Azure DevOps service-hook envelopes and decides which of them ask
// for a review, defines the [ReviewRequest] message that travels through NATS
// JetStream, provisions the stream and the durable consumer, publishes with
// de-duplication ids and trace context, and runs the bounded, heartbeating
// consume loop that settles every message (ack, nak with delay, or term).
//
// # Subjects and stream
//
// Review requests are published on
//
//	azreviewer.review.<repositoryId>.<pullRequestId>
//
// to the work-queue stream AZREVIEWER_REVIEWS, consumed by the durable pull
// consumer "workers" that every worker replica shares. The repository id is
// one subject token and part of the coordination key, so ingest accepts only
// ids of 1 to 64 ASCII letters, digits, '-' and '_' (see [ValidID]; every
// Azure DevOps GUID is one).
//
// # Limits
//
// The review stream holds at most [StreamConfig.MaxMsgs] requests and
// [StreamConfig.MaxBytes] bytes and discards new requests when full (the
// publisher returns a *QueueFullError), so accepted work is never dropped
// to make room. The dead-letter stream keeps entries for
// DeadLetterMaxAge, at most DeadLetterMaxMsgs and DeadLetterMaxBytes,
// dropping the oldest. A request carries at most [MaxCommentBytes] of
// comment text; one larger than the server's max_payload is refused with a
// *MessageTooLargeError.
//
// # Trace context
//
// The publisher injects W3C trace context into the NATS headers under the
// lowercase keys "traceparent" and "tracestate"; the consume loop extracts it
// so one trace follows a webhook from ingest into the worker.
package events
