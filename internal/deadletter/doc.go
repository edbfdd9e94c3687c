// Package deadletter keeps the review requests that failed for good: those
// that failed permanently, or failed on their last allowed delivery, are
// copied to the fleet's dead-letter stream (streams.DeadLetterStream) with the error
// and its diagnosis (the [Header…] constants) before the original is terminated, so nothing
// accepted is lost without a record. Operators list them ([List]) and
// replay them ([Replay]) to the review stream.
//
// The copy is made by the consume chain's poison middleware
// (events/middleware.PoisonQueue) through a [Publisher].
//
// # Limits
//
// The dead-letter stream keeps entries for streams.Config.DeadLetterMaxAge,
// at most DeadLetterMaxMsgs and DeadLetterMaxBytes, dropping the oldest.
package deadletter
