// Package ingest is the webhook receiver: an HTTP handler that
// authenticates Azure DevOps service-hook deliveries, bounds and parses
// them, decides which ask for a review, and publishes those to JetStream,
// answering 202 only once the publish is acknowledged.
//
// Answers follow Azure DevOps' delivery rules: 2xx for every authenticated
// event, including ones azreviewer ignores (other answers put the
// subscription on probation and new events are lost); 503 when JetStream is
// unavailable (Azure retries it); 400 with a JSON error for a malformed
// body; 401 for missing or wrong credentials; 413 beyond the body limit.
package ingest
