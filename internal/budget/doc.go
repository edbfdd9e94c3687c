// Package budget keeps an identity's Azure DevOps budget — estimated TSTU
// (units of azdo.CallCost) per sliding window, 5 minutes by default —
// shared by every process that uses the identity, in JetStream key-value.
// A [Budget] is an azdo.Budget: a Client spends each request's cost from
// it after its own per-process limits, which stay a safety net above it.
//
// # Design: leased slices in one key per identity, by compare-and-set
//
// Each identity (and organisation) has one key, named by a hash of the
// organisation and the credential's identity (Client.Identity, which
// holds no secret; the hash keeps the key's characters valid). Its value
// is the list of slices granted over the last window plus one slice
// lifetime, with their times, the fleet-wide pause and the adapted
// scale. A process that has spent its slice leases a new one of Slice
// units by reading the key and writing it back with its revision (KV
// Update, compare-and-set; a lost race reads again), if the slices
// granted in the last Window+2·SliceTTL plus the new one stay within
// Limit × scale; else it waits until enough slices age out. A slice is
// spent locally, without NATS, and expires SliceTTL after its grant
// (unspent units are lost), so every unit that reaches Azure in any
// window of length Window was granted within Window+2·SliceTTL before
// its end (one SliceTTL to spend it, one more for the request's way to
// Azure): the fleet never spends more than Limit in a sliding window,
// whatever the number of processes, as long as no request takes longer
// than SliceTTL (7.5 s at the defaults) from Spend to Azure. Throughput in steady state is
// Limit·Window/(Window+2·SliceTTL), 0.95 of the budget at the default
// SliceTTL of Window/40.
//
// A budget-keeper (one process granting leases over request/reply) was
// the alternative; it needs an election, its own failover and a round
// trip per lease, where the KV key already gives a total order of grants
// (its revision), survives any process, and is replicated by the
// cluster. The cost is contention on one key: bounded by Slice (one CAS
// per Slice units), which is why slices are leased, not single calls.
//
// # When NATS is slow or unreachable: fail safe
//
// A lease that fails or takes longer than KVTimeout leaves the process
// without a fresh slice. It then spends from a conservative local share
// (Fallback × Limit per Window, 5 % by default, with no burst beyond one
// call) and tries the key again after KVRetry. It never falls back to
// the full budget: k partitioned processes spend at most
// k × Fallback × Limit in a window on top of what the others lease.
//
// # Adaptation and fleet-wide pauses
//
// Observe reads every answer's headers. A Retry-After pauses this
// process at once and, through the key, every process of the identity
// (each watches the key; a lease also reads it); X-RateLimit-Delay, a
// Retry-After, a 429 or an X-RateLimit-Remaining below LowRemaining of
// X-RateLimit-Limit halves the scale (down to MinScale, at most once per
// SliceTTL); each lease after a quiet Window/4 raises it by a tenth,
// back up to 1. Answers larger than azdo.BlobCostBytes are charged
// their extra cost after the fact (azdo.ExtraCost), from the slice.
//
// A Budget is safe for concurrent use.
package budget
