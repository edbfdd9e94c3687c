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
// consumer "workers" that every worker replica shares.
//
// # Trace context
//
// The publisher injects W3C trace context into the NATS headers under the
// lowercase keys "traceparent" and "tracestate"; the consume loop extracts it
// so one trace follows a webhook from ingest into the worker.
package events
