package main

import (
	"strings"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// kindOf returns the kind of problem a rule id finds, by its prefix:
// secret/, conflict/, debug/, test/ and custom/ give their name, llm/ gives
// "bug" (the LLM names its own categories: llm/bug, llm/security…). A kind,
// or a rule id of no known prefix, is returned as is.
func kindOf(rule string) string {
	prefix, _, ok := strings.Cut(rule, "/")
	switch {
	case !ok:
		return rule
	case prefix == "llm":
		return "bug"
	case prefix == "secret", prefix == "conflict", prefix == "debug", prefix == "test", prefix == "custom":
		return prefix
	default:
		return rule
	}
}

// claimant returns the reviewer expected to find problems of kind, whose
// recall they count in: the LLM for bugs, the custom rules for custom, the
// built-in rules for the rest.
func claimant(kind string) string {
	switch kind {
	case "bug":
		return "llm"
	case "custom":
		return repoconfig.CustomName
	case "secret":
		return secrets.Name
	default:
		return reviewer.RulesName
	}
}

// matches reports whether finding f of reviewer rev finds e: its rule is of
// e's kind (or is e's rule id) — any rule of the LLM's will do, since it
// names its own categories — and its lines cover e's.
func matches(rev string, f reviewer.Finding, e Expected) bool {
	if "/"+e.Path != f.Path && e.Path != f.Path {
		return false
	}
	end := max(f.EndLine, f.StartLine)
	if e.Line < f.StartLine || e.Line > end {
		return false
	}
	switch {
	case rev == "llm":
		return true
	case strings.Contains(e.Kind, "/"):
		return f.Rule == e.Kind
	default:
		return kindOf(f.Rule) == e.Kind
	}
}

// covers reports whether f's lines cover quiet line q.
func covers(f reviewer.Finding, q Quiet) bool {
	return ("/"+q.Path == f.Path || q.Path == f.Path) && q.Line >= f.StartLine && q.Line <= max(f.EndLine, f.StartLine)
}

// Outcome is how one finding or expected problem was judged.
type Outcome struct {
	// Case is the case's name.
	Case string
	// Reviewer is the reviewer the outcome counts for.
	Reviewer string
	// Kind is the kind it counts in.
	Kind string
	// Path and Line locate it: the finding's first line for a finding.
	Path string
	Line int
	// Rule is the finding's rule, or the expected kind or rule id.
	Rule string
	// Verdict is "TP", "FP" or "FN".
	Verdict string
	// Why explains an FP ("quiet line: test fixture", "unexpected",
	// "duplicate") or names the missed problem of an FN.
	Why string
}

// judge compares the findings of the reviewers that ran (by name) with the
// case's expectations. Each finding is a true positive when it finds an
// expected problem not already found by another finding of its reviewer,
// else a false positive; each expected problem that the reviewer claiming
// its kind ran and missed is a false negative. An LLM finding on a problem
// another reviewer claims (a secret, a debug print) is neither: it is not
// noise, and the LLM is not scored on it.
func judge(c *Case, findings map[string][]reviewer.Finding) []Outcome {
	var out []Outcome
	found := map[string]map[int]bool{} // reviewer → expected index → found
	for rev, fs := range findings {
		found[rev] = map[int]bool{}
		for _, f := range fs {
			o := Outcome{Case: c.Name, Reviewer: rev, Kind: kindOf(f.Rule), Path: strings.TrimPrefix(f.Path, "/"), Line: f.StartLine, Rule: f.Rule, Verdict: "FP", Why: "unexpected"}
			hit, other := false, false
			for i, e := range c.Expect {
				if !matches(rev, f, e) {
					continue
				}
				if claimant(kindOf(e.Kind)) != rev {
					other = true
					continue
				}
				if found[rev][i] {
					o.Why = "duplicate"
					continue
				}
				found[rev][i], hit = true, true
				o.Verdict, o.Kind, o.Line, o.Why = "TP", kindOf(e.Kind), e.Line, e.What
				break
			}
			if !hit {
				if other {
					continue
				}
				for _, q := range c.Quiet {
					if covers(f, q) {
						o.Why, o.Line = "quiet line: "+q.Why, q.Line
						break
					}
				}
			}
			out = append(out, o)
		}
	}
	for i, e := range c.Expect {
		rev := claimant(kindOf(e.Kind))
		if _, ran := findings[rev]; !ran || found[rev][i] {
			continue
		}
		out = append(out, Outcome{Case: c.Name, Reviewer: rev, Kind: kindOf(e.Kind), Path: e.Path, Line: e.Line, Rule: e.Kind, Verdict: "FN", Why: e.What})
	}
	return out
}
