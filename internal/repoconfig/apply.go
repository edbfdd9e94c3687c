package repoconfig

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Filter applies the ignore patterns and the limits to a pull request. It
// returns a copy of pr without the files it skips, and those files with the
// reason in words. pr is not modified; kept shares the files' hunks with it.
// A nil pr is an empty pull request.
//
// Paths are matched without their leading "/" (Azure DevOps writes
// "/src/app.go"; patterns are written "src/**"), and a leading "/" in a
// pattern is ignored too. A pattern that matches one of a path's directories
// ignores everything under it, so "docs" and "docs/**" are equivalent.
// Patterns are doublestar globs: "*" stays within a directory, "**" crosses
// directories, so "*.min.js" matches only at the root and "**/*.min.js"
// everywhere.
//
// Limits apply to the files that are not ignored and have added lines, in
// pull-request order (files without added lines cannot get findings and are
// kept without counting): a file is skipped when it would be file number
// MaxFiles+1, or when its added lines would take the total over MaxLines
// (a later, smaller file may still fit). Files already skipped by the diff
// ([reviewer.FileDiff.Skipped]) are kept as they are, so that
// [reviewer.Run] reports them.
func (c Config) Filter(pr *reviewer.PullRequest) (kept *reviewer.PullRequest, skipped []reviewer.SkippedFile) {
	if pr == nil {
		pr = &reviewer.PullRequest{}
	}
	kept = &reviewer.PullRequest{Title: pr.Title, Description: pr.Description}
	maxFiles, maxLines := deref(c.Limits.MaxFiles), deref(c.Limits.MaxLines)
	files, lines := 0, 0
	for _, f := range pr.Files {
		if f.Skipped != "" {
			kept.Files = append(kept.Files, f)
			continue
		}
		if pattern, ok := c.ignored(f.Path); ok {
			skipped = append(skipped, reviewer.SkippedFile{
				Path:   f.Path,
				Reason: fmt.Sprintf("ignored: matches %q in the ignore list of %s", pattern, FileName),
			})
			continue
		}
		added := f.AddedLines()
		if added == 0 {
			kept.Files = append(kept.Files, f)
			continue
		}
		switch {
		case maxFiles > 0 && files >= maxFiles:
			skipped = append(skipped, reviewer.SkippedFile{
				Path:   f.Path,
				Reason: fmt.Sprintf("not reviewed: the review is limited to %d changed files (limits.max_files)", maxFiles),
			})
		case maxLines > 0 && lines+added > maxLines:
			skipped = append(skipped, reviewer.SkippedFile{
				Path: f.Path,
				Reason: fmt.Sprintf("not reviewed: its %d added lines would take the review over its limit of %d added lines (limits.max_lines); %d are already reviewed",
					added, maxLines, lines),
			})
		default:
			files++
			lines += added
			kept.Files = append(kept.Files, f)
		}
	}
	return kept, skipped
}

// ignored returns the first ignore pattern matching p.
func (c Config) ignored(p string) (string, bool) {
	for _, pattern := range c.Ignore {
		if matchPath(pattern, p) {
			return pattern, true
		}
	}
	return "", false
}

// matchPath reports whether a doublestar pattern matches the repository path
// p or one of its directories; leading slashes of both are ignored. An
// invalid pattern matches nothing.
func matchPath(pattern, p string) bool {
	pattern = strings.TrimPrefix(pattern, "/")
	p = strings.TrimPrefix(p, "/")
	for p != "." && p != "/" && p != "" {
		if ok, err := doublestar.Match(pattern, p); ok && err == nil {
			return true
		}
		p = path.Dir(p)
	}
	return false
}

// matchAny reports whether p matches one of patterns (see matchPath).
func matchAny(patterns []string, p string) bool {
	return slices.ContainsFunc(patterns, func(pattern string) bool { return matchPath(pattern, p) })
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// Reviewers returns the available reviewers that the configuration leaves
// on, sorted by name: every one except those switched off under reviewers.
// Names under reviewers that are not available are ignored, and so are nil
// reviewers. To let the file switch the custom rules off, put
// [Config.CustomRules] in available under [CustomName].
func (c Config) Reviewers(available map[string]reviewer.Reviewer) []reviewer.Reviewer {
	names := make([]string, 0, len(available))
	for name, r := range available {
		if r == nil {
			continue
		}
		key := name
		if strings.HasPrefix(name, AnalyzerPrefix) {
			key = AnalyzersName
		}
		if on, set := c.ReviewersOn[key]; set && !on {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	out := make([]reviewer.Reviewer, len(names))
	for i, name := range names {
		out[i] = available[name]
	}
	return out
}

// Apply returns the findings the configuration lets through, in their
// order: findings of disabled rules are dropped, severity overrides are
// applied, and findings below the severity threshold are then dropped. The
// input slice is not modified.
func (c Config) Apply(findings []reviewer.Finding) []reviewer.Finding {
	out := make([]reviewer.Finding, 0, len(findings))
	for _, f := range findings {
		if slices.Contains(c.Rules.Disable, f.Rule) {
			continue
		}
		if sev, ok := c.Rules.Severity[f.Rule]; ok {
			f.Severity = sev
		}
		if c.SeverityThreshold != "" && !f.Severity.AtLeast(c.SeverityThreshold) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Describe summarises the configuration in one Markdown line for the review
// summary, e.g.
//
//	Configuration: .azreviewer.yaml from main; threshold warning; 3 ignore patterns; 1 custom rule; rule debug/console-log off; reviewer llm off; limits 1000 files, 100000 added lines.
//
// Only what is set is mentioned.
func (c Config) Describe() string {
	parts := []string{"Configuration: " + cmp.Or(c.Source, "organisation defaults")}
	if c.SeverityThreshold != "" {
		parts = append(parts, "threshold "+string(c.SeverityThreshold))
	}
	if n := len(c.Ignore); n > 0 {
		parts = append(parts, plural(n, "ignore pattern"))
	}
	if n := len(c.Custom); n > 0 {
		parts = append(parts, plural(n, "custom rule"))
	}
	if n := len(c.Rules.Disable); n > 0 {
		parts = append(parts, listOff("rule", c.Rules.Disable))
	}
	if n := len(c.Rules.Severity); n > 0 {
		parts = append(parts, plural(n, "severity override"))
	}
	var off []string
	for name, on := range c.ReviewersOn {
		if !on {
			off = append(off, name)
		}
	}
	if len(off) > 0 {
		slices.Sort(off)
		parts = append(parts, listOff("reviewer", off))
	}
	var limits []string
	if n := deref(c.Limits.MaxFiles); n > 0 {
		limits = append(limits, plural(n, "file"))
	}
	if n := deref(c.Limits.MaxLines); n > 0 {
		limits = append(limits, plural(n, "added line"))
	}
	if len(limits) > 0 {
		parts = append(parts, "limits "+strings.Join(limits, ", "))
	}
	if c.LLM.Instructions != "" {
		parts = append(parts, "extra instructions")
	}
	if c.LLM.Language != "" {
		parts = append(parts, "comments in "+c.LLM.Language)
	}
	if n := deref(c.LLM.MaxRequests); n > 0 {
		parts = append(parts, fmt.Sprintf("at most %d model requests (fewer if the operator's bound is lower)", n))
	}
	return escapeMarkdown(strings.Join(parts, "; ") + ".")
}

// listOff returns "rule a off" or "rules a, b off".
func listOff(what string, names []string) string {
	if len(names) > 1 {
		what += "s"
	}
	return what + " " + strings.Join(names, ", ") + " off"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// escapeMarkdown escapes the characters that would format text in Markdown.
func escapeMarkdown(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>#|~", r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
