package llmreview

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Reasons a batch fails, the keys of [Stats.Failures].
const (
	// FailRequest is a request that failed after its retries (HTTP error
	// status, connection error).
	FailRequest = "request"
	// FailTimeout is a request whose every attempt exceeded
	// [Config.Timeout].
	FailTimeout = "timeout"
	// FailRefusal is a model that refused to answer (message.refusal, or
	// finish_reason "content_filter").
	FailRefusal = "refusal"
	// FailTruncated is an answer cut off at the output token limit
	// (finish_reason "length").
	FailTruncated = "truncated"
	// FailMalformed is an answer that is not a JSON object with a findings
	// array, or a response without choices.
	FailMalformed = "malformed"
)

// Stats describes one review, for traces and the pull-request summary.
type Stats struct {
	// Batches is the number of requests the pull request was split into.
	Batches int
	// FailedBatches is the number of batches that gave no usable answer.
	FailedBatches int
	// Failures counts failed batches by reason (FailRequest, …).
	Failures map[string]int
	// PromptTokens, CompletionTokens and TotalTokens add up the usage the
	// responses report (0 for a server that reports none).
	PromptTokens, CompletionTokens, TotalTokens int64
	// Findings is the number of findings returned.
	Findings int
	// Dropped counts discarded findings by reason (DropUnknownPath, …).
	Dropped map[string]int
	// Context is what the prompts carried beyond the hunks.
	Context ContextSent
}

// DroppedTotal returns the number of dropped findings.
func (s Stats) DroppedTotal() int {
	n := 0
	for _, v := range s.Dropped {
		n += v
	}
	return n
}

// String summarises s in one line for a pull-request summary, e.g.
// "3 requests (1 failed: timeout 1), 5210 tokens (4800 in, 410 out), 4
// findings, 2 dropped (line_outside_diff 1, unknown_path 1)".
func (s Stats) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d requests", s.Batches)
	if s.FailedBatches > 0 {
		fmt.Fprintf(&sb, " (%d failed: %s)", s.FailedBatches, countList(s.Failures))
	}
	fmt.Fprintf(&sb, ", %d tokens (%d in, %d out), %d findings", s.TotalTokens, s.PromptTokens, s.CompletionTokens, s.Findings)
	if n := s.DroppedTotal(); n > 0 {
		fmt.Fprintf(&sb, ", %d dropped (%s)", n, countList(s.Dropped))
	}
	return sb.String()
}

// countList renders counts as "a 1, b 2", sorted by key.
func countList(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
