package worker

import (
	"fmt"
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// RenderFinding is the markdown of a finding's comment: severity and rule
// first, so a reader can triage at a glance, then the message.
func RenderFinding(f reviewer.Finding) string {
	return fmt.Sprintf("**%s** · `%s`\n\n%s", severityLabel(f.Severity), f.Rule, f.Message)
}

func severityLabel(s reviewer.Severity) string {
	if s == "" {
		return "Note"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// RenderSummary is the markdown of the summary thread.
func RenderSummary(iteration int, head string, filesReviewed int, r reviewer.Result) string {
	var b strings.Builder
	b.WriteString("### azreviewer\n\n")
	fmt.Fprintf(&b, "Reviewed iteration %d (`%s`): %s in %s.\n", iteration, shortSHA(head), plural(len(r.Findings), "finding"), plural(filesReviewed, "changed file"))
	if n := len(r.Findings); n > 0 {
		counts := map[reviewer.Severity]int{}
		for _, f := range r.Findings {
			counts[f.Severity]++
		}
		var parts []string
		for _, s := range []reviewer.Severity{reviewer.SeverityError, reviewer.SeverityWarning, reviewer.SeverityInfo} {
			switch {
			case counts[s] == 0:
			case s == reviewer.SeverityInfo:
				parts = append(parts, fmt.Sprintf("%d info", counts[s]))
			default:
				parts = append(parts, plural(counts[s], string(s)))
			}
		}
		fmt.Fprintf(&b, "\nBy severity: %s.\n", strings.Join(parts, ", "))
	}
	if len(r.Ran) > 0 {
		fmt.Fprintf(&b, "\nReviewers: %s.\n", strings.Join(r.Ran, ", "))
	}
	if len(r.Failed) > 0 {
		b.WriteString("\n**Reviewers that failed** (their findings are missing from this review):\n")
		for _, f := range r.Failed {
			fmt.Fprintf(&b, "- %s: %v\n", f.Reviewer, f.Err)
		}
	}
	if len(r.Skipped) > 0 {
		b.WriteString("\n**Not reviewed:**\n")
		for _, f := range r.Skipped {
			fmt.Fprintf(&b, "- `%s`: %s\n", f.Path, f.Reason)
		}
	}
	if r.Dropped > 0 {
		fmt.Fprintf(&b, "\n%s outside the changed lines were left out.\n", plural(r.Dropped, "finding"))
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func shortSHA(s string) string {
	if len(s) > 8 {
		return s[:8]
	}
	return s
}
