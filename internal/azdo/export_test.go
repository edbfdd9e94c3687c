package azdo

import "time"

// Backoff exposes the retry backoff for tests: the wait before resend k+1
// with the given base and cap.
func Backoff(base, ceiling time.Duration, k int) time.Duration {
	return retryPolicy{base: base, cap: ceiling}.backoff(k)
}

// ParseRetryAfter exposes the Retry-After parser for tests.
func ParseRetryAfter(v string, now time.Time) time.Duration { return parseRetryAfter(v, now) }
