// Package streams describes the JetStream resources the review queue runs
// on: the fleet's work-queue stream and its durable pull consumer, shared
// by every worker replica, and the dead-letter stream operators list and
// replay, from one [Config] that also carries the fleet's names and the
// storage of the key-value buckets (packages coordination and budget
// describe those). Package provision creates and checks them all.
//
// # Limits
//
// The review stream holds at most [Config.MaxMsgs] requests and
// [Config.MaxBytes] bytes and discards new requests when full (the
// publisher returns a *events.QueueFullError), so accepted work is never
// dropped to make room. A byte limit the server cannot reserve fails with a
// *[LimitsError].
//
// # Order
//
// A message's [Delivery] says where it sits in its stream (from the
// message's metadata); a [Position] is where the stream stood when it was
// read ([StreamPositions]). [Position.Precedes] tells whether a message
// was stored before that read, which lets a review skip the events it
// already covered without asking Azure DevOps.
package streams
