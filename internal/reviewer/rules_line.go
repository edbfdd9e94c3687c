package reviewer

import (
	"fmt"
	"regexp"
	resyntax "regexp/syntax"
)

// LineRule is a rule written outside the built-in table — a repository's
// custom rule, say: a pattern that flags each added line it matches, run by
// the same engine as the built-in rules (suppression comments, one finding
// per line and rule id, the review's deadline honoured within long lines).
type LineRule struct {
	// ID is the findings' rule id.
	ID       string
	Severity Severity
	Message  string
	// Pattern is matched against the text of every added line.
	Pattern *regexp.Regexp
	// Applies selects the files the rule applies to by their path as the
	// diff names them; nil applies it to every file.
	Applies func(path string) bool
}

// NewRules returns a Reviewer named name that runs rules over the added
// lines of every diffed file, as [Rules] runs the built-in ones. Matching a
// line costs up to its length times the pattern's program size; a match
// that may take long looks at the review's context as it goes, so a
// deadline holds whatever the patterns. The Reviewer is safe for
// concurrent use.
func NewRules(name string, rules []LineRule) (Reviewer, error) {
	rs := &ruleSet{name: name, rules: make([]rule, 0, len(rules))}
	for _, lr := range rules {
		if lr.Pattern == nil {
			return nil, fmt.Errorf("rule %q: a pattern is required", lr.ID)
		}
		r, err := compileRule(ruleSpec{id: lr.ID, severity: lr.Severity, message: lr.Message, pattern: lr.Pattern.String()})
		if err != nil {
			return nil, err
		}
		r.re, r.paths = lr.Pattern, lr.Applies
		rs.rules = append(rs.rules, r)
	}
	return rs, nil
}

// programSize is the number of instructions pattern compiles to: the
// factor by which matching a line may cost more than reading it.
func programSize(pattern string) (int, error) {
	re, err := resyntax.Parse(pattern, resyntax.Perl)
	if err != nil {
		return 0, err
	}
	prog, err := resyntax.Compile(re.Simplify())
	if err != nil {
		return 0, err
	}
	return len(prog.Inst), nil
}
