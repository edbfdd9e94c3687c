// Package ingest is the webhook receiver: an HTTP handler that
// authenticates Azure DevOps service-hook deliveries, bounds and parses
// them, decides which ask for a review, and publishes those to JetStream,
// answering 202 only once the publish is acknowledged.
//
// Answers follow Azure DevOps' delivery rules: 2xx for every authenticated
// event, including ones azreviewer ignores (other answers put the
// subscription on probation and new events are lost); 503 with Retry-After
// when JetStream is unavailable, when the review stream is full, or when
// too many deliveries are in flight (Azure retries 503); 408 for a body that
// does not arrive in time (Azure retries 408); 400 with a JSON error for a
// malformed body, including ids that could not name a subject or key; 401
// for missing or wrong credentials; 413 beyond the body limit or for a
// review request larger than the NATS server's max_payload.
//
// # Resources a delivery can hold
//
// Credentials are checked from the headers before any body is read. Each
// authenticated delivery then reserves its declared length of
// Config.MaxInFlightBytes (at least [MinDeliveryReservation]) until it is
// answered, and its body must arrive within Config.BodyTimeout, so slow or
// many bodies cannot hold more memory than the reservation allows.
package ingest
