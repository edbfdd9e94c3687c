// Package middleware wraps an [events.Handler] in the consume chain's
// layers, one file each, in watermill's router middleware shape. A
// middleware sees the message and the error of the handler it wraps and
// may turn that error into another; it never settles the message: only the
// consume loop (events.Consume) acks, naks or terminates.
//
// # Order
//
// The worker's chain, outermost first ([Chain] applies them in this order):
//
//  1. [PoisonQueue]: a failure that is permanent, or happened on the
//     last delivery (MAX_DELIVER), is copied to the dead-letter stream and
//     returned as an *events.DeadLetteredError, which the loop terminates.
//     If the copy cannot be stored the message is redelivered (after the
//     loop's backoff) instead, so it is not lost; on the last delivery the
//     copy is first tried again for a while, the message held. The
//     consumer keeps one delivery in reserve beyond MAX_DELIVER
//     (streams.ReserveDeliveries): a message whose last delivery ended
//     unsettled (worker stopped or crashed, copy not stored) is
//     dead-lettered on it without running the handler again.
//  2. [Recoverer]: a panic in what it wraps becomes a *[PanicError], so the
//     poison middleware above it sees a panic like any other failure.
//  3. The handler (worker.Router.HandleMessage, with whatever a test wraps it in).
//
// Trace context is extracted by the consume loop before the chain runs, so
// every layer runs inside the message's span.
package middleware
