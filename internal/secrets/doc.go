// Package secrets finds credentials in the added lines of a pull request. It
// is a [reviewer.Reviewer] named [Name] built on gitleaks' detector and its
// default rule set (some 220 rules, one per kind of credential: cloud keys,
// source-host and CI tokens, payment, chat and mail providers, private keys,
// JWTs, and a generic rule for keyword-named values of high entropy), with a
// few Azure rules of azreviewer's own added (rules.toml).
//
// Findings keep azreviewer's conventions: the rule id is "secret/" followed
// by the gitleaks rule id ("secret/github-pat"); only added lines are
// flagged; a line containing "azreviewer:ignore" (or "gitleaks:allow"), or
// following a line containing "azreviewer:ignore-next-line", is not; and a
// message names the kind of credential, never the value.
//
// # Confidence and severity
//
// A rule that recognises a provider's own token format is confident: its
// findings are errors, which fail the review status. The generic rule and
// the rules that read a credential out of a command line or a config file
// guess from a key name and the value's entropy: their findings are
// warnings. In test files, fixtures, documentation and examples a confident
// finding is a warning (such values are usually fakes) and a guess is not
// reported at all.
//
// # Allow-lists
//
// A repository or the organisation can allow values and paths that are not
// secrets ([Allow]): globs of paths, regular expressions the found value
// may match, and stop words it may contain.
//
// # Masking
//
// [Scanner.Lines] reports which lines of a file hold a secret, by the same
// rules and a wider net (any quoted value assigned to a credential-named key,
// and private-key material without its BEGIN line), so a caller can keep
// those lines from anything that must not see them, such as an LLM prompt.
package secrets
