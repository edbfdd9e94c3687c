package reviewer

import "strings"

// owner is a reviewer of [Result.Ran] as the owner of its rules: its
// [Judge], or, when it is none, its name; and whether its findings vary
// ([Varying]).
type owner struct {
	name   string
	judge  Judge
	varies bool
}

// judges reports whether o looks for findings of rule on path: as its
// Judge says (a Judge that panics does not), or, without one, when rule
// is o's name or begins with it and a "/".
func (o owner) judges(rule, path string) (ok bool) {
	if o.judge != nil {
		defer func() {
			if recover() != nil {
				ok = false
			}
		}()
		return o.judge.Judges(rule, path)
	}
	return rule == o.name || strings.HasPrefix(rule, o.name+"/")
}

// Coverage is what a [Run] looked for: which rules on which files. A
// caller takes a finding of an earlier review that the run did not report
// for gone only where [Coverage.Judged] says the run looked for it; a
// finding of a reviewer that did not run (switched off, not configured,
// failed), of a rule that no longer exists, or on a file its reviewer
// does not look at or left unjudged, is not known to be gone. Build one
// with [Result.Coverage]; the zero Coverage looked for nothing. It is not
// modified by its methods and may be shared between goroutines.
type Coverage struct {
	owners   []owner
	unjudged map[string][]Unjudged
}

// Coverage returns what the run looked for: each reviewer of Ran owns the
// rules it judges ([Judge]; a reviewer that is no Judge owns its name and
// the ids beginning with its name and a "/"), on every file but those it
// left unjudged (Unjudged).
func (r Result) Coverage() Coverage {
	c := Coverage{owners: r.owners, unjudged: make(map[string][]Unjudged, len(r.Unjudged))}
	for _, u := range r.Unjudged {
		c.unjudged[u.Path] = append(c.unjudged[u.Path], u)
	}
	return c
}

// Judged reports whether the run looked for findings of rule on the file
// at path: a reviewer that ran owns rule and applies it to path, and no
// reviewer left path unjudged for rule ([Unjudged.Covers]). A rule no
// reviewer that ran owns, the unknown rule "" among them, is not judged.
func (c Coverage) Judged(rule, path string) bool {
	if rule == "" {
		return false
	}
	for _, u := range c.unjudged[path] {
		if u.Covers(rule) {
			return false
		}
	}
	for _, o := range c.owners {
		if o.judges(rule, path) {
			return true
		}
	}
	return false
}

// Varies reports whether a reviewer that ran and owns rule on the file at
// path is a [Varying] one, whose findings may differ from one review to
// the next on the same code: a finding of its that is back after it was
// gone is no sign the code changed back.
func (c Coverage) Varies(rule, path string) bool {
	for _, o := range c.owners {
		if o.varies && o.judges(rule, path) {
			return true
		}
	}
	return false
}
