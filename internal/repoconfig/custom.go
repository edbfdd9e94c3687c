package repoconfig

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// CustomRules returns a Reviewer named [CustomName] that runs the custom
// rules: each rule flags, with one finding per line, every added line of a
// file matching its paths (every file when it has none) on which its pattern
// matches. Deleted and context lines are never flagged, nor lines containing
// "azreviewer:ignore" or following a line containing
// "azreviewer:ignore-next-line", as with the built-in rules. Findings have
// rule id "custom/" + the rule's id, its message, and its severity (warning
// when not set). They run in the built-in rules' engine ([reviewer.NewRules]).
//
// The Reviewer looks at its context before every match and, when a match
// may take over 4 Mi steps (the line's length times the pattern's program
// size), every 1024 characters within it: once the context is done it stops
// and returns the context's cause, so a review's deadline holds whatever the
// rules.
//
// The error reports the rules that cannot be compiled or whose pattern is
// over [MaxPatternProgram], which [Parse] rules out for a parsed file; the
// Reviewer is then nil. With no custom rules the Reviewer finds nothing. It
// is safe for concurrent use.
func (c Config) CustomRules() (reviewer.Reviewer, error) {
	var rules []reviewer.LineRule
	var errs []error
	for i, cr := range c.Custom {
		re, _, err := compilePattern(cr.Pattern)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("custom rule %d (%s): %w", i, cr.ID, err))
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
		lr := reviewer.LineRule{
			ID:       CustomRulePrefix + cr.ID,
			Severity: cmp.Or(cr.Severity, reviewer.SeverityWarning),
			Message:  cr.Message,
			Pattern:  re,
		}
		if paths := cr.Paths; len(paths) > 0 {
			lr.Applies = func(p string) bool { return matchAny(paths, p) }
		}
		rules = append(rules, lr)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return reviewer.NewRules(CustomName, rules)
}
