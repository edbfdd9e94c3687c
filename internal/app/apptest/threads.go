package apptest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// Census counts a pull request's azreviewer threads: finding threads by
// their fingerprint property, summaries by the iteration and head their
// text says they are of (SummaryKey; the summary property, which keeps the
// key the thread was created with, when the text says neither). A healthy
// pull request has every count at 1.
type Census struct {
	Findings  map[string]int
	Summaries map[string]int
	// Other counts threads azreviewer did not write.
	Other int
}

// CensusOf counts threads as GetThreads returns them.
func CensusOf(threads []git.GitPullRequestCommentThread) Census {
	c := Census{Findings: map[string]int{}, Summaries: map[string]int{}}
	for _, th := range threads {
		switch fp, sum := Property(th, worker.PropFingerprint), Property(th, worker.PropSummary); {
		case fp != "":
			c.Findings[fp]++
		case sum != "":
			c.Summaries[summaryOf(th, sum)]++
		default:
			c.Other++
		}
	}
	return c
}

// Duplicates is how many threads repeat a finding or a summary already
// posted: the number of threads minus the number of distinct keys.
func (c Census) Duplicates() int {
	n := 0
	for _, m := range []map[string]int{c.Findings, c.Summaries} {
		for _, v := range m {
			n += v - 1
		}
	}
	return n
}

// Threads is how many azreviewer threads there are.
func (c Census) Threads() int {
	n := 0
	for _, m := range []map[string]int{c.Findings, c.Summaries} {
		for _, v := range m {
			n += v
		}
	}
	return n
}

// HasSummary reports whether the review of iteration (whose source commit
// is head) posted its summary.
func (c Census) HasSummary(iteration int, head string) bool {
	return c.Summaries[SummaryKey(iteration, head)] > 0
}

// SummaryKey is the key of the summary of a review of iteration at head:
// "<iteration>@<head's first 8 characters>", as its text names them.
func SummaryKey(iteration int, head string) string {
	return strconv.Itoa(iteration) + "@" + head[:min(len(head), 8)]
}

// summaryLine is the line of a summary that names the (last) iteration
// reviewed and its head.
var summaryLine = regexp.MustCompile("(?m)^Reviewed iterations? (?:[0-9]+–)?([0-9]+) \\(`+([0-9a-fA-F]+)`+\\)")

// summaryOf is the key of the summary th: what its text says, else prop.
func summaryOf(th git.GitPullRequestCommentThread, prop string) string {
	if th.Comments == nil || len(*th.Comments) == 0 || (*th.Comments)[0].Content == nil {
		return prop
	}
	m := summaryLine.FindStringSubmatch(*(*th.Comments)[0].Content)
	if m == nil {
		return prop
	}
	n, _ := strconv.Atoi(m[1])
	return SummaryKey(n, strings.ToLower(m[2]))
}

// String shows the counts that are not 1.
func (c Census) String() string {
	bad := map[string]int{}
	for _, m := range []map[string]int{c.Findings, c.Summaries} {
		for k, v := range m {
			if v != 1 {
				bad[k] = v
			}
		}
	}
	return fmt.Sprintf("%d finding threads, %d summaries, %d other; repeated: %v", len(c.Findings), len(c.Summaries), c.Other, bad)
}

// Property reads a thread property (see azdo.ThreadProperty).
func Property(th git.GitPullRequestCommentThread, key string) string {
	return azdo.ThreadProperty(th, key)
}
