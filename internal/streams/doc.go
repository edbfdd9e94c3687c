// Package streams provisions the JetStream resources the review queue runs
// on: the work-queue stream [events.StreamName] and its durable pull
// consumer, shared by every worker replica, from one [Config] that also
// carries the limits of the dead-letter stream and the storage of the
// key-value buckets (packages deadletter and coordination provision those).
//
// # Limits
//
// The review stream holds at most [Config.MaxMsgs] requests and
// [Config.MaxBytes] bytes and discards new requests when full (the
// publisher returns a *events.QueueFullError), so accepted work is never
// dropped to make room. A byte limit the server cannot reserve fails with a
// *[LimitsError].
package streams
