package worker

import (
	"fmt"
	"strings"

	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Bounds of the untrusted parts of a comment, so that a comment stays well
// under markdown.MaxComment before the final cut.
const (
	// maxMessageRunes bounds a finding's message.
	maxMessageRunes = 4000
	// maxSuggestionBytes bounds a suggestion shown whole; a longer one is
	// left out (a suggestion is applied as is, so it is never cut).
	maxSuggestionBytes = 16 << 10
	// maxRuleRunes bounds a rule id.
	maxRuleRunes = 120
	// maxPathRunes bounds a file path.
	maxPathRunes = 400
	// maxLineRunes bounds a reason, a reviewer's error or a note.
	maxLineRunes = 1000
	// maxListed is the most files or reviewers the summary lists one by one.
	maxListed = 50
	// listBudget is where the summary stops listing, in bytes, so that the
	// count of what it leaves out fits under markdown.MaxComment.
	listBudget = markdown.MaxComment - 4<<10
)

// RenderFinding is the markdown of a finding's comment: severity and rule
// first, so a reader can triage at a glance, then the message and the
// suggested change. Everything the reviewer wrote is rendered safe by
// package markdown; links survive only to hosts links allows.
func RenderFinding(f reviewer.Finding, links markdown.Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** · %s\n\n%s", markdown.Text(severityLabel(f.Severity)),
		markdown.Code(markdown.Clip(f.Rule, maxRuleRunes)), links.Text(markdown.Clip(f.Message, maxMessageRunes)))
	if f.Suggestion != "" {
		block, ok := markdown.Suggestion(f.Suggestion)
		switch {
		case len(f.Suggestion) > maxSuggestionBytes:
			fmt.Fprintf(&b, "\n\n_The suggested change is not shown: it is longer than %d KiB._", maxSuggestionBytes>>10)
		case !ok:
			b.WriteString("\n\n_The suggested change is not shown: it contains text Azure DevOps would turn into a mention._")
		default:
			b.WriteString("\n\n" + block)
		}
	}
	return markdown.Truncate(b.String(), markdown.MaxComment)
}

func severityLabel(s reviewer.Severity) string {
	if s == "" {
		return "Note"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// commentText is what is written for any comment azreviewer posts: no "@<"
// (a mention) whatever produced it, and at most markdown.MaxComment bytes.
// Rendered text has neither; this guards text rendered elsewhere.
func commentText(s string) string {
	return markdown.Truncate(strings.ReplaceAll(s, "@<", "@\u2060<"), markdown.MaxComment)
}

// Summary is what the summary thread reports.
type Summary struct {
	// Iteration was reviewed; Since, when positive, is the iteration an
	// incremental review compared with.
	Iteration, Since int
	Head             string
	// Files is how many changed files were read; Resolved how many earlier
	// findings are gone; Untouched how many earlier findings' threads were
	// left open because no reviewer of this review looked for them.
	Files, Resolved, Untouched int
	Result                     reviewer.Result
	// NotPosted counts, by severity, the findings that got no thread because
	// the review reached its cap of MaxThreads.
	NotPosted map[reviewer.Severity]int
	// MaxThreads is the cap NotPosted refers to.
	MaxThreads int
	// Notes are lines the reviewers and the configuration add (LLM tokens,
	// the configuration applied); ConfigInvalid says .azreviewer.yaml was
	// invalid and the defaults were used.
	Notes         []string
	ConfigInvalid bool
	// Links are the hosts reviewers' text may link to.
	Links markdown.Policy
}

// Render is the summary thread's markdown.
func (s Summary) Render() string {
	r := s.Result
	var b strings.Builder
	b.WriteString("### azreviewer\n\n")
	head := markdown.Code(shortSHA(s.Head))
	switch {
	case s.Since > 0 && s.Iteration-s.Since == 1:
		fmt.Fprintf(&b, "Reviewed iteration %d (%s), the changes since iteration %d: %s in %s.\n", s.Iteration, head, s.Since, plural(len(r.Findings), "finding"), plural(s.Files, "changed file"))
	case s.Since > 0:
		fmt.Fprintf(&b, "Reviewed iterations %d–%d (%s), the changes since iteration %d: %s in %s.\n", s.Since+1, s.Iteration, head, s.Since, plural(len(r.Findings), "finding"), plural(s.Files, "changed file"))
	default:
		fmt.Fprintf(&b, "Reviewed iteration %d (%s): %s in %s.\n", s.Iteration, head, plural(len(r.Findings), "finding"), plural(s.Files, "changed file"))
	}
	if n := len(r.Findings); n > 0 {
		counts := map[reviewer.Severity]int{}
		for _, f := range r.Findings {
			counts[f.Severity]++
		}
		fmt.Fprintf(&b, "\nBy severity: %s.\n", bySeverity(counts))
	}
	notPosted := 0
	for _, n := range s.NotPosted {
		notPosted += n
	}
	if notPosted > 0 {
		fmt.Fprintf(&b, "\n**%s not posted** (at most %d threads per review, the most severe first): %s.\n",
			plural(notPosted, "more finding"), s.MaxThreads, bySeverity(s.NotPosted))
	}
	if s.Resolved > 0 {
		fmt.Fprintf(&b, "\n%s from earlier iterations no longer found: marked fixed.\n", plural(s.Resolved, "finding"))
	}
	if s.Untouched > 0 {
		fmt.Fprintf(&b, "\n%s from earlier iterations not looked for in this review (the rule did not run on the file): left open.\n", plural(s.Untouched, "finding"))
	}
	if len(r.Ran) > 0 {
		names := make([]string, 0, min(len(r.Ran), maxListed))
		for _, n := range r.Ran[:min(len(r.Ran), maxListed)] {
			names = append(names, markdown.Text(markdown.Clip(n, maxRuleRunes)))
		}
		fmt.Fprintf(&b, "\nReviewers: %s.\n", strings.Join(names, ", "))
	}
	for _, n := range s.Notes {
		if n != "" {
			fmt.Fprintf(&b, "\n%s\n", s.Links.Text(markdown.Clip(n, maxLineRunes)))
		}
	}
	if s.ConfigInvalid {
		b.WriteString("\n`.azreviewer.yaml` is invalid (see its own comment); the defaults were used.\n")
	}
	if len(r.Failed) > 0 {
		b.WriteString("\n**Reviewers that failed** (their findings are missing from this review):\n")
		listed := 0
		for _, f := range r.Failed {
			if listed == maxListed || b.Len() > listBudget {
				break
			}
			fmt.Fprintf(&b, "- %s: %s\n", markdown.Text(markdown.Clip(f.Reviewer, maxRuleRunes)), markdown.Text(markdown.Clip(fmt.Sprint(f.Err), maxLineRunes)))
			listed++
		}
		more(&b, len(r.Failed)-listed, "reviewer")
	}
	if len(r.Skipped) > 0 {
		b.WriteString("\n**Not reviewed:**\n")
		listed := 0
		for _, f := range r.Skipped {
			if listed == maxListed || b.Len() > listBudget {
				break
			}
			fmt.Fprintf(&b, "- %s: %s\n", markdown.Code(markdown.Clip(f.Path, maxPathRunes)), markdown.Text(markdown.Clip(f.Reason, maxLineRunes)))
			listed++
		}
		more(&b, len(r.Skipped)-listed, "file")
	}
	if r.Dropped > 0 {
		fmt.Fprintf(&b, "\n%s outside the changed lines were left out.\n", plural(r.Dropped, "finding"))
	}
	return markdown.Truncate(b.String(), markdown.MaxComment)
}

// more ends a cut list with the count of the n items it leaves out.
func more(b *strings.Builder, n int, word string) {
	if n > 0 {
		fmt.Fprintf(b, "- and %s\n", plural(n, "more "+word))
	}
}

// bySeverity renders counts as "2 errors, 1 warning, 3 info", most severe
// first.
func bySeverity(counts map[reviewer.Severity]int) string {
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
	return strings.Join(parts, ", ")
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
