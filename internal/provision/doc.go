// Package provision owns a fleet's JetStream resources: the review stream,
// the workers' consumer, the dead-letter stream and the coordination
// buckets, all described by one [Config] (the fleet's name and the STREAM_*,
// ACK_WAIT, MAX_DELIVER, DUPLICATE_WINDOW, DEAD_LETTER_* and LEASE_TTL
// settings).
//
// [Apply] creates what is missing and updates what differs, and says what
// it did: it is "worker provision" (and "azreviewer provision"), the one
// owner. [Check] changes nothing: it compares what exists with a process's
// own configuration and returns a *[MismatchError] naming every resource
// that is missing and every value that contradicts a setting, so ingest and
// workers refuse to start instead of rewriting the fleet's stream with
// their own flags.
//
// # What is compared
//
// Every value a setting decides: replicas (STREAM_REPLICAS, for both
// streams and both buckets), the review stream's limits (STREAM_MAX_BYTES,
// STREAM_MAX_MSGS) and duplicate window (DUPLICATE_WINDOW), the dead-letter
// stream's (DEAD_LETTER_MAX_AGE, DEAD_LETTER_MAX_BYTES,
// DEAD_LETTER_MAX_MSGS), the consumer's ack wait (ACK_WAIT) and max deliver
// (MAX_DELIVER + 1: one delivery is kept in reserve to store the dead letter
// of a message whose last delivery ended unsettled, see
// streams.ReserveDeliveries), the lease bucket's TTL (LEASE_TTL); the subjects and the
// consumer's filter (FLEET_NAME); and the values this version fixes without
// a setting, which a stream made by an older version or by hand may lack:
// discard policy, retention, the review stream's max age, the consumer's ack
// policy, back-off and max ack pending. Storage (file or memory) is not
// compared: no setting of ingest or the worker chooses it, and JetStream
// cannot change it in place.
//
// # Upgrading to the reserve delivery
//
// A consumer made by a version without the reserve delivery has max deliver
// MAX_DELIVER: workers of this version refuse to start on it (max deliver
// N; configured for N+1 (MAX_DELIVER + 1)) until [Apply] raises it, which
// JetStream does in place, keeping every queued and in-flight message and
// its delivery count. Workers of the older version keep working on the
// raised consumer (a message they nak on their last delivery gets one more
// delivery), but refuse to start on it, as for any contradicting setting,
// until their own provision lowers it again.
package provision
