package secrets

import (
	"github.com/zricethezav/gitleaks/v8/config"
)

// lineAllows are the allow-lists, the rule set's and the scanner's own,
// that test a finding's whole line. The detector would test each against
// the line once per finding, which on a long line dense with findings costs
// the square of its length; the scanner takes them out of the detector and
// tests each line once (lineCheck).
type lineAllows struct {
	global []*config.Allowlist
	rules  map[string][]*config.Allowlist
}

// takeLineAllows removes the allow-lists that test the line from cfg and
// returns them.
func takeLineAllows(cfg *config.Config) lineAllows {
	out := lineAllows{rules: map[string][]*config.Allowlist{}}
	cfg.Allowlists, out.global = splitLine(cfg.Allowlists)
	for id, r := range cfg.Rules {
		var line []*config.Allowlist
		r.Allowlists, line = splitLine(r.Allowlists)
		if len(line) > 0 {
			out.rules[id] = line
			cfg.Rules[id] = r
		}
	}
	return out
}

// splitLine splits lists into those that do not test the line and those
// that do.
func splitLine(lists []*config.Allowlist) (rest, line []*config.Allowlist) {
	for _, a := range lists {
		if a.RegexTarget == "line" && len(a.Regexes) > 0 {
			line = append(line, a)
		} else {
			rest = append(rest, a)
		}
	}
	return rest, line
}

// lineCheck tests the line allow-lists for the findings of one file,
// testing each list's regular expressions once per line.
type lineCheck struct {
	lists lineAllows
	path  string
	memo  map[lineKey]bool
}

// lineKey names a list and a span of lines of a text.
type lineKey struct {
	list     *config.Allowlist
	from, to int
}

// allowed reports whether a finding of rule with secret, on lines from..to
// of t, is allowed by a line allow-list, as gitleaks decides it.
func (c *lineCheck) allowed(t *text, rule, secret string, from, to int) bool {
	for _, group := range [][]*config.Allowlist{c.lists.global, c.lists.rules[rule]} {
		for _, a := range group {
			k := lineKey{a, from, to}
			re, seen := c.memo[k]
			if !seen {
				s := t.b.String()
				re = a.RegexAllowed(s[t.lines[from].start:t.lines[to].end])
				if c.memo == nil {
					c.memo = map[lineKey]bool{}
				}
				c.memo[k] = re
			}
			stop, _ := a.ContainsStopWord(secret)
			path := a.PathAllowed(c.path)
			if a.MatchCondition == config.AllowlistMatchAnd {
				ok := true
				if len(a.Paths) > 0 {
					ok = ok && path
				}
				ok = ok && re
				if len(a.StopWords) > 0 {
					ok = ok && stop
				}
				if ok && len(a.Commits) == 0 {
					return true
				}
				continue
			}
			if re || stop || path {
				return true
			}
		}
	}
	return false
}
