package secrets

import (
	"strings"

	"github.com/zricethezav/gitleaks/v8/config"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// confidence is how sure a rule's match is a live credential.
type confidence int

const (
	// byFormat rules recognise a provider's own token format (a fixed
	// prefix, a checksum, a structure such as a PEM block or a JWT).
	byFormat confidence = iota
	// byName rules find a value of the right shape next to a provider's
	// name ("twitter", "heroku"…): the shape alone would match much else.
	byName
	// byGuess rules find a value of high entropy next to a credential-like
	// key name, or read one out of a command line or a settings file.
	byGuess
)

// guessRules are the rules, of the default set and of rules.toml, that
// guess by key name or context whatever their pattern looks like.
var guessRules = map[string]bool{
	"generic-api-key":        true,
	"password-assignment":    true,
	"password-in-config":     true,
	"curl-auth-header":       true,
	"curl-auth-user":         true,
	"hashicorp-tf-password":  true,
	"kubernetes-secret-yaml": true,
	"nuget-config-password":  true,
}

// semiGeneric starts the pattern of every gitleaks rule that keys on a
// provider's name rather than the token's own format.
const semiGeneric = `(?i)[\w.-]{0,50}?(?:`

// ruleConfidence says how confident a rule of the set is.
func ruleConfidence(r config.Rule) confidence {
	switch {
	case guessRules[r.RuleID]:
		return byGuess
	case r.Regex != nil && strings.HasPrefix(r.Regex.String(), semiGeneric):
		return byName
	default:
		return byFormat
	}
}

// pathClass is what a file is for, as far as its path tells.
type pathClass int

const (
	// production is anything not below.
	production pathClass = iota
	// illustrative files are tests, fixtures, documentation and examples,
	// where credentials are usually fakes.
	illustrative
)

// severity returns the severity of a finding of confidence c in a file of
// class, and false when such a finding is not reported.
func (c confidence) severity(class pathClass) (reviewer.Severity, bool) {
	switch {
	case c == byFormat && class == production:
		return reviewer.SeverityError, true
	case c == byGuess && class == illustrative:
		return "", false
	default:
		return reviewer.SeverityWarning, true
	}
}

// message is a finding's text for a rule described as desc. It names the
// kind of credential and never quotes it.
func (c confidence) message(desc string) string {
	desc = strings.TrimSpace(desc)
	if desc != "" && !strings.HasSuffix(desc, ".") {
		desc += "."
	}
	if c == byFormat {
		return desc + " Remove it, revoke or rotate it (it stays in the Git history), " +
			"and read it at run time from configuration or a secret store such as Azure Key Vault."
	}
	return "Possible secret: " + desc + " If it is real, remove it, rotate it (it stays in the Git history) " +
		"and read it at run time from configuration or a secret store. If it is not, allow it under secrets.allow " +
		"in .azreviewer.yaml or mark the line azreviewer:ignore."
}

// classify says what the file at p (Azure DevOps form, leading "/") is for:
// tests, fixtures, documentation and examples ([reviewer.ClassifyPath]) are
// illustrative.
func classify(p string) pathClass {
	if c := reviewer.ClassifyPath(p); c.Test || c.Fixture || c.Doc {
		return illustrative
	}
	return production
}

// formerRuleIDs are the rule ids azreviewer's hand-written secret rules
// reported before this scanner replaced them. A thread posted under one of
// them for the same lines is the thread of the scanner's finding.
var formerRuleIDs = []string{
	"secret/aws-access-key",
	"secret/private-key",
	"secret/hardcoded-credential",
	"secret/azure-storage-connection-string",
	"secret/azure-shared-access-key",
}

// formerRules returns the former rule ids of a finding of rule id, leaving
// out its own.
func formerRules(id string) []string {
	out := make([]string, 0, len(formerRuleIDs))
	for _, f := range formerRuleIDs {
		if f != RulePrefix+id {
			out = append(out, f)
		}
	}
	return out
}
