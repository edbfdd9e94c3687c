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

// Summary is what the summary thread reports.
type Summary struct {
	// Iteration was reviewed; Since, when positive, is the iteration an
	// incremental review compared with.
	Iteration, Since int
	Head             string
	// Files is how many changed files were read; Resolved how many earlier
	// findings are gone.
	Files, Resolved int
	Result          reviewer.Result
	// Notes are lines the reviewers and the configuration add (LLM tokens,
	// the configuration applied); ConfigInvalid says .azreviewer.yaml was
	// invalid and the defaults were used.
	Notes         []string
	ConfigInvalid bool
}

// Render is the summary thread's markdown.
func (s Summary) Render() string {
	r := s.Result
	var b strings.Builder
	b.WriteString("### azreviewer\n\n")
	switch {
	case s.Since > 0 && s.Iteration-s.Since == 1:
		fmt.Fprintf(&b, "Reviewed iteration %d (`%s`), the changes since iteration %d: %s in %s.\n", s.Iteration, shortSHA(s.Head), s.Since, plural(len(r.Findings), "finding"), plural(s.Files, "changed file"))
	case s.Since > 0:
		fmt.Fprintf(&b, "Reviewed iterations %d–%d (`%s`), the changes since iteration %d: %s in %s.\n", s.Since+1, s.Iteration, shortSHA(s.Head), s.Since, plural(len(r.Findings), "finding"), plural(s.Files, "changed file"))
	default:
		fmt.Fprintf(&b, "Reviewed iteration %d (`%s`): %s in %s.\n", s.Iteration, shortSHA(s.Head), plural(len(r.Findings), "finding"), plural(s.Files, "changed file"))
	}
	if n := len(r.Findings); n > 0 {
		counts := map[reviewer.Severity]int{}
		for _, f := range r.Findings {
			counts[f.Severity]++
		}
		var parts []string
		for _, sev := range []reviewer.Severity{reviewer.SeverityError, reviewer.SeverityWarning, reviewer.SeverityInfo} {
			switch {
			case counts[sev] == 0:
			case sev == reviewer.SeverityInfo:
				parts = append(parts, fmt.Sprintf("%d info", counts[sev]))
			default:
				parts = append(parts, plural(counts[sev], string(sev)))
			}
		}
		fmt.Fprintf(&b, "\nBy severity: %s.\n", strings.Join(parts, ", "))
	}
	if s.Resolved > 0 {
		fmt.Fprintf(&b, "\n%s from earlier iterations no longer found: marked fixed.\n", plural(s.Resolved, "finding"))
	}
	if len(r.Ran) > 0 {
		fmt.Fprintf(&b, "\nReviewers: %s.\n", strings.Join(r.Ran, ", "))
	}
	for _, n := range s.Notes {
		if n != "" {
			fmt.Fprintf(&b, "\n%s\n", n)
		}
	}
	if s.ConfigInvalid {
		b.WriteString("\n`.azreviewer.yaml` is invalid (see its own comment); the defaults were used.\n")
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
