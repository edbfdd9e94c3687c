package repoconfig

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// customRule is a compiled CustomRule.
type customRule struct {
	id       string // with CustomRulePrefix
	re       *regexp.Regexp
	size     int // the program's instructions
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
	r := &customReviewer{}
	var errs []error
	for i, cr := range c.Custom {
		re, size, err := compilePattern(cr.Pattern)
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
		r.rules = append(r.rules, customRule{
			id:       CustomRulePrefix + cr.ID,
			re:       re,
			size:     size,
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
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
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
				suppressed := strings.Contains(l.Text, reviewer.IgnoreMarker) ||
					prevNo == l.New-1 && strings.Contains(prevText, reviewer.IgnoreNextMarker)
				if l.Kind == reviewer.Added && !suppressed {
					for _, cr := range rules {
						matched, err := cr.match(ctx, l.Text)
						if err != nil {
							return nil, err
						}
						if matched {
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

// Matching a line costs up to its length times the pattern's program
// size in steps. A match within matchSteps is made whole; a longer one
// looks at the context every matchChunk characters.
const (
	matchSteps = 1 << 22
	matchChunk = 1024
)

// match reports whether the rule's pattern matches line, looking at ctx
// before it starts and, when the match may take over matchSteps steps,
// every matchChunk characters. Once ctx is done it returns
// context.Cause(ctx).
func (cr *customRule) match(ctx context.Context, line string) (bool, error) {
	if ctx.Err() != nil {
		return false, context.Cause(ctx)
	}
	if len(line) <= matchSteps/max(cr.size, 1) {
		return cr.re.MatchString(line), nil
	}
	r := &contextReader{ctx: ctx, s: line}
	matched := cr.re.MatchReader(r)
	if r.stopped {
		return false, context.Cause(ctx)
	}
	return matched, nil
}

// contextReader reads a string rune by rune, ending it early (io.EOF) once
// its context is done, which it looks at every matchChunk runes.
type contextReader struct {
	ctx     context.Context
	s       string
	i, n    int
	stopped bool
}

func (r *contextReader) ReadRune() (rune, int, error) {
	if r.i >= len(r.s) || r.stopped {
		return 0, 0, io.EOF
	}
	if r.n++; r.n%matchChunk == 0 && r.ctx.Err() != nil {
		r.stopped = true
		return 0, 0, io.EOF
	}
	c, size := utf8.DecodeRuneInString(r.s[r.i:])
	r.i += size
	return c, size, nil
}
