package repoconfig

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Suppression comments honoured by the custom rules, as by the built-in
// ones: a line containing ignoreMarker, or following a line containing
// ignoreNextMarker, gets no finding.
const (
	ignoreMarker     = "azreviewer:ignore"
	ignoreNextMarker = "azreviewer:ignore-next-line"
)

// customRule is a compiled CustomRule.
type customRule struct {
	id       string // with CustomRulePrefix
	re       *regexp.Regexp
	paths    []string
	severity reviewer.Severity
	message  string
}

// customReviewer runs the custom rules.
type customReviewer struct {
	rules []customRule
}

// CustomRules returns a Reviewer named [CustomName] that runs the custom
// rules: each rule flags, with one finding per line, every added line of a
// file matching its paths (every file when it has none) on which its pattern
// matches. Deleted and context lines are never flagged, nor lines containing
// "azreviewer:ignore" or following a line containing
// "azreviewer:ignore-next-line", as with the built-in rules. Findings have
// rule id "custom/" + the rule's id, its message, and its severity (warning
// when not set).
//
// The error reports the rules that cannot be compiled, which [Parse] rules
// out for a parsed file; the Reviewer is then nil. With no custom rules the
// Reviewer finds nothing. It is safe for concurrent use.
func (c Config) CustomRules() (reviewer.Reviewer, error) {
	r := &customReviewer{}
	var errs []error
	for i, cr := range c.Custom {
		re, err := regexp.Compile(cr.Pattern)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("custom rule %d (%s): pattern: %w", i, cr.ID, err))
			continue
		case !customID.MatchString(cr.ID):
			errs = append(errs, fmt.Errorf("custom rule %d: invalid id %q", i, cr.ID))
			continue
		case cr.Pattern == "" || strings.TrimSpace(cr.Message) == "":
			errs = append(errs, fmt.Errorf("custom rule %d (%s): pattern and message are required", i, cr.ID))
			continue
		case cr.Severity != "" && !cr.Severity.Valid():
			errs = append(errs, fmt.Errorf("custom rule %d (%s): invalid severity %q", i, cr.ID, cr.Severity))
			continue
		}
		r.rules = append(r.rules, customRule{
			id:       CustomRulePrefix + cr.ID,
			re:       re,
			paths:    cr.Paths,
			severity: cmp.Or(cr.Severity, reviewer.SeverityWarning),
			message:  cr.Message,
		})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// Name returns [CustomName].
func (*customReviewer) Name() string { return CustomName }

// Review applies the custom rules to the added lines of every diffed file.
func (r *customReviewer) Review(ctx context.Context, pr *reviewer.PullRequest) ([]reviewer.Finding, error) {
	if pr == nil || len(r.rules) == 0 {
		return nil, nil
	}
	var findings []reviewer.Finding
	var rules []*customRule
	for i := range pr.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := &pr.Files[i]
		if f.Skipped != "" || len(f.Hunks) == 0 {
			continue
		}
		rules = rules[:0]
		for j := range r.rules {
			if cr := &r.rules[j]; len(cr.paths) == 0 || matchAny(cr.paths, f.Path) {
				rules = append(rules, cr)
			}
		}
		if len(rules) == 0 {
			continue
		}
		for _, h := range f.Hunks {
			prevText, prevNo := "", -1 // the previous new-side line shown
			for _, l := range h.Lines {
				if l.Kind == reviewer.Deleted {
					continue
				}
				suppressed := strings.Contains(l.Text, ignoreMarker) ||
					prevNo == l.New-1 && strings.Contains(prevText, ignoreNextMarker)
				if l.Kind == reviewer.Added && !suppressed {
					for _, cr := range rules {
						if cr.re.MatchString(l.Text) {
							findings = append(findings, reviewer.Finding{
								Path:      f.Path,
								StartLine: l.New,
								EndLine:   l.New,
								Rule:      cr.id,
								Severity:  cr.severity,
								Message:   cr.message,
							})
						}
					}
				}
				prevText, prevNo = l.Text, l.New
			}
		}
	}
	return findings, nil
}
