package llmreview

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
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
	// NotSent are the files with hunks that no request showed, because
	// the review reached its limit of MaxRequests requests, and PartlySent
	// those of which only the first parts were shown; both in
	// pull-request order. The other reviewers still review them.
	NotSent, PartlySent []string
	// MaxRequests is the limit that left files out; 0 when none was left
	// out, or only the budget did.
	MaxRequests int
	// OverBudget is how many of the review's requests its budget
	// ([reviewer.ReviewContext.Budget]) did not grant, and Budget that
	// budget's grant (nil when it granted every request): the files of
	// those requests are in NotSent and PartlySent.
	OverBudget int
	Budget     *reviewer.Grant
	// BudgetUnread is true when the budget could not be read: no request
	// was sent (OverBudget counts them all).
	BudgetUnread bool
	// FailedFiles are the files shown, in whole or in part, by a batch
	// that failed, in pull-request order: the model's answer on them is
	// not known.
	FailedFiles []string
}

// Bounds of [Stats.NotSentNote].
const (
	// maxNotedPaths is how many paths the note names.
	maxNotedPaths = 8
	// maxNotedPathRunes is how much of one path the note shows.
	maxNotedPathRunes = 60
)

// NotSentNote is the summary's sentence about the files the model was not
// sent, or "" when it was sent every file, e.g. `Not reviewed by the
// model (at most 8 requests per review): 692 changed files, "/src/a.go",
// "/src/b.go", … and 684 more, and part of "/src/big.go"; the other
// reviewers reviewed them.` At most 8 paths are named, each Go-quoted and
// shortened to 60 characters. It is plain text.
func (s Stats) NotSentNote() string {
	if len(s.NotSent)+len(s.PartlySent) == 0 {
		return ""
	}
	var b strings.Builder
	var why []string
	if s.MaxRequests > 0 || (s.Budget == nil && !s.BudgetUnread) {
		why = append(why, fmt.Sprintf("at most %d requests per review", s.MaxRequests))
	}
	if s.BudgetUnread {
		why = append(why, "the organisation's LLM budget could not be read")
	}
	if g := s.Budget; g != nil {
		w := fmt.Sprintf("the organisation's LLM budget of %d requests per %s is spent", g.Limit, g.Window)
		if !g.Renews.IsZero() {
			w += " until " + g.Renews.UTC().Format("2006-01-02 15:04 UTC")
		}
		why = append(why, w)
	}
	fmt.Fprintf(&b, "Not reviewed by the model (%s): ", strings.Join(why, "; "))
	named := 0
	if n := len(s.NotSent); n > 0 {
		if n == 1 {
			b.WriteString("1 changed file, ")
		} else {
			fmt.Fprintf(&b, "%d changed files, ", n)
		}
		for i, p := range s.NotSent[:min(n, maxNotedPaths)] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quotePath(p))
			named++
		}
		if more := n - named; more > 0 {
			fmt.Fprintf(&b, " and %d more", more)
		}
	}
	if len(s.PartlySent) > 0 {
		if named > 0 {
			b.WriteString(", and ")
		}
		b.WriteString("part of ")
		for i, p := range s.PartlySent {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quotePath(p))
		}
	}
	b.WriteString("; the other reviewers reviewed them.")
	return b.String()
}

// quotePath returns p Go-quoted, shortened to maxNotedPathRunes characters
// with "…" inside the quotes.
func quotePath(p string) string {
	if r := []rune(strings.ToValidUTF8(p, "\uFFFD")); len(r) > maxNotedPathRunes {
		p = string(r[:maxNotedPathRunes]) + "…"
	}
	return strconv.Quote(p)
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
