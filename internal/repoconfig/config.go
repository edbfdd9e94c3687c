package repoconfig

import (
	"cmp"
	"maps"
	"slices"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// FileName is the name of the configuration file at the root of a
// repository, as it appears in messages.
const FileName = ".azreviewer.yaml"

// Version is the only supported value of the file's version key.
const Version = 1

// Reviewer names the file can switch on and off under reviewers. The
// built-in rule set is [reviewer.RulesName]; [Config.CustomRules] returns a
// Reviewer named [CustomName]; [LLMName] is the language-model reviewer.
const (
	// LLMName is the name of the language-model reviewer.
	LLMName = "llm"
	// CustomName is the [reviewer.Reviewer.Name] of [Config.CustomRules].
	CustomName = "custom"
	// CustomRulePrefix starts the rule id of every custom rule: a custom
	// rule with id "no-todo" reports findings as rule "custom/no-todo".
	CustomRulePrefix = CustomName + "/"
	// AnalyzersName switches every external analyzer (reviewers named
	// AnalyzerPrefix + tool) on or off; the operator configures the tools.
	AnalyzersName  = "analyzers"
	AnalyzerPrefix = "analyzer/"
	// SecretsName is the name of the secret scanner (package secrets).
	SecretsName = "secrets"
)

// knownReviewers are the names accepted under reviewers, in the order
// messages list them.
var knownReviewers = []string{reviewer.RulesName, SecretsName, LLMName, CustomName, AnalyzersName}

// Defaults of [Defaults] and limits enforced by [Parse].
const (
	// DefaultMaxFiles is the default [Limits.MaxFiles]: a 1,000-file pull
	// request is reviewed whole by the rules, the secret scanner and the
	// custom rules. The model's share is bounded apart, in requests
	// (llmreview.Config.MaxRequests and [LLM.MaxRequests]), and so is the
	// external analyzers' (analyzers.DefaultMaxFiles).
	DefaultMaxFiles = 1000
	// DefaultMaxLines is the default [Limits.MaxLines].
	DefaultMaxLines = 100000
	// MaxFileBytes is the largest configuration file [Parse] accepts, in
	// bytes (64 KiB).
	MaxFileBytes = 64 << 10
	// MaxDepth is how deeply lists and mappings may nest in a file [Parse]
	// accepts, checked before the file is parsed; a valid file needs at
	// most 5 levels.
	MaxDepth = 16
	// MaxCustomRules is the largest number of custom rules a file may
	// define.
	MaxCustomRules = 100
	// MaxPatternProgram is the largest program, in regexp/syntax
	// instructions, one custom rule's pattern may compile to; repetitions
	// count as often as they repeat: TODO\( is 7 instructions, [a-z]{1,400}
	// is 801, and [\p{L}\p{N}]{1,1000} (2001) is refused.
	MaxPatternProgram = 1000
	// MaxCustomProgram is the largest program size of all the custom rules
	// of a file together.
	MaxCustomProgram = 20000
	// MaxInstructions is the longest [LLM.Instructions] [Parse] accepts, in
	// characters.
	MaxInstructions = 4000
	// MaxLanguage is the longest [LLM.Language] [Parse] accepts, in
	// characters.
	MaxLanguage = 40
	// MaxAllowProgram is the largest program size of all the
	// secrets.allow.values patterns of a file together. Every finding's
	// value is tested against each of them: at the per-pattern limit, 100
	// patterns made the scanner some 28 times slower.
	MaxAllowProgram = 5000
	// MaxAllowEntries is the longest list each of secrets.allow's paths,
	// values and stopwords may be.
	MaxAllowEntries = 100
	// MinStopword and MaxStopword bound the length of a secrets.allow
	// stop word, in bytes: a shorter one would allow almost any value.
	MinStopword, MaxStopword = 4, 200
)

// Config is a repository's review configuration: the content of
// .azreviewer.yaml (see the package documentation for the format), or the
// organisation-wide defaults of the worker's configuration, or both combined
// by [Merge].
//
// The zero value of every field means "not set": [Merge] then keeps the
// organisation's value, and the methods apply no restriction. A Config is
// not modified by its methods and may be shared between goroutines.
type Config struct {
	// Version is the file format version; only 1 exists. 0 means 1.
	Version int `yaml:"version,omitempty"`
	// ReviewersOn switches reviewers on (true) or off (false) by name
	// (reviewers in the file). A reviewer not listed is on.
	ReviewersOn map[string]bool `yaml:"reviewers,omitempty"`
	// Rules switches individual rules off and overrides their severity.
	Rules Rules `yaml:"rules,omitzero"`
	// SeverityThreshold drops findings less serious than it; empty means
	// every finding is kept.
	SeverityThreshold reviewer.Severity `yaml:"severity_threshold,omitempty"`
	// Ignore lists doublestar glob patterns of paths not to review, matched
	// against the path without its leading "/" (see [Config.Filter]). nil
	// means not set; an empty list means nothing is ignored.
	Ignore []string `yaml:"ignore,omitempty"`
	// Limits bound how much of a pull request is reviewed.
	Limits Limits `yaml:"limits,omitzero"`
	// Custom are the repository's own regular-expression rules
	// (custom_rules in the file), run by [Config.CustomRules].
	Custom []CustomRule `yaml:"custom_rules,omitempty"`
	// LLM configures the language-model reviewer.
	LLM LLM `yaml:"llm,omitzero"`
	// Secrets configures the secret scanner.
	Secrets Secrets `yaml:"secrets,omitzero"`
	// Source says where the configuration came from, for [Config.Describe],
	// e.g. ".azreviewer.yaml from main". It is set by the caller, not read
	// from the file; empty means the organisation's defaults.
	Source string `yaml:"-"`
}

// Rules switches rules off and overrides their severity. Rule ids are those
// of [reviewer.Finding.Rule], like "debug/console-log" or "custom/no-todo".
type Rules struct {
	// Disable lists rule ids whose findings are dropped. nil means not set.
	Disable []string `yaml:"disable,omitempty"`
	// Severity maps a rule id to the severity its findings get instead of
	// their own.
	Severity map[string]reviewer.Severity `yaml:"severity,omitempty"`
}

// Limits bound how much of a pull request is reviewed; files beyond them are
// skipped and listed as such (see [Config.Filter]). A nil field is not set;
// 0 means no limit.
type Limits struct {
	// MaxFiles is the largest number of files with added lines reviewed.
	MaxFiles *int `yaml:"max_files,omitempty"`
	// MaxLines is the largest total number of added lines reviewed.
	MaxLines *int `yaml:"max_lines,omitempty"`
}

// CustomRule is a repository's own rule: a regular expression matched on
// every added line.
type CustomRule struct {
	// ID identifies the rule, in lower case letters, digits and hyphens; its
	// findings have rule id [CustomRulePrefix]+ID.
	ID string `yaml:"id"`
	// Pattern is a Go (RE2) regular expression matched on each added line,
	// without its line terminator.
	Pattern string `yaml:"pattern"`
	// Paths, when not empty, restricts the rule to files matching one of
	// these doublestar globs (matched like [Config.Ignore]).
	Paths []string `yaml:"paths,omitempty"`
	// Severity is the findings' severity; empty means warning.
	Severity reviewer.Severity `yaml:"severity,omitempty"`
	// Message is the finding's text: what is wrong and what to do.
	Message string `yaml:"message"`
}

// Secrets configures the secret scanner.
type Secrets struct {
	// Allow lists what is not a secret.
	Allow SecretAllow `yaml:"allow,omitzero"`
}

// SecretAllow lists what the secret scanner leaves quiet. Lists add up when
// merged: a repository can allow more than its organisation, not less.
type SecretAllow struct {
	// Paths are doublestar globs (matched like [Config.Ignore]) of files
	// the scanner does not read.
	Paths []string `yaml:"paths,omitempty"`
	// Values are Go (RE2) regular expressions; a found value one matches is
	// not reported.
	Values []string `yaml:"values,omitempty"`
	// Stopwords are words of at least [MinStopword] bytes; a found value
	// containing one, in any case, is not reported.
	Stopwords []string `yaml:"stopwords,omitempty"`
}

// LLM configures the language-model reviewer.
type LLM struct {
	// Instructions are added to the reviewer's prompt.
	Instructions string `yaml:"instructions,omitempty"`
	// Language is the language review comments are written in, e.g.
	// "English" or "German"; empty means the reviewer's default.
	Language string `yaml:"language,omitempty"`
	// ContextLines is how many lines of the head file the model sees above
	// and below each changed hunk, beyond the diff's own context (0 to
	// [MaxContextLines]); nil means [DefaultContextLines].
	ContextLines *int `yaml:"context_lines,omitempty"`
	// Guidance, when false, keeps the repository's AGENTS.md or
	// .azreviewer/instructions.md out of the prompts; nil means true.
	Guidance *bool `yaml:"guidance,omitempty"`
	// MaxRequests, at least 1, lowers the most model requests one review
	// sends; the operator's bound (the worker's LLM_MAX_REQUESTS) holds
	// whatever it says, so a larger value changes nothing. nil means the
	// operator's bound.
	MaxRequests *int `yaml:"max_requests,omitempty"`
}

// Bounds and defaults of the LLM's context.
const (
	// DefaultContextLines is [LLM.ContextLines] when unset.
	DefaultContextLines = 10
	// MaxContextLines is the largest [LLM.ContextLines].
	MaxContextLines = 200
)

// Window is the head-file window of the model's context: ContextLines, or
// [DefaultContextLines] when unset.
func (l LLM) Window() int {
	if l.ContextLines == nil {
		return DefaultContextLines
	}
	return min(max(*l.ContextLines, 0), MaxContextLines)
}

// RequestLimit is MaxRequests, or 0 when unset (the operator's bound).
func (l LLM) RequestLimit() int {
	if l.MaxRequests == nil {
		return 0
	}
	return max(*l.MaxRequests, 0)
}

// GuidanceOn reports whether the repository's guidance file is read.
func (l LLM) GuidanceOn() bool { return l.Guidance == nil || *l.Guidance }

// Defaults returns the built-in configuration, used when neither the
// organisation nor the repository sets a value: version 1, every reviewer on,
// every finding kept (threshold info), nothing ignored, at most
// [DefaultMaxFiles] files and [DefaultMaxLines] added lines, no custom rules
// and no extra instructions.
func Defaults() Config {
	return Config{
		Version:           Version,
		SeverityThreshold: reviewer.SeverityInfo,
		Limits:            Limits{MaxFiles: ptr(DefaultMaxFiles), MaxLines: ptr(DefaultMaxLines)},
	}
}

// Merge returns org overridden by repo, field by field. org is typically
// [Defaults] merged with the organisation-wide configuration of the worker,
// and repo the repository's .azreviewer.yaml. The rules:
//
//   - scalars (version, severity_threshold, each limit, llm.language) and
//     Source: repo's value when set, otherwise org's;
//   - maps merge key by key, repo winning: reviewers, rules.severity;
//   - lists replace: ignore and rules.disable in repo, when set (even to an
//     empty list), replace org's entirely: repeat the organisation's
//     entries to keep them;
//   - secrets.allow's lists add up: org's entries, then repo's;
//   - custom_rules merge by id: a repo rule replaces the org rule with the
//     same id in place, the others are appended in repo order;
//   - llm.instructions add up: org's, a blank line, then repo's, so a
//     repository can add to the organisation's instructions but not drop them;
//   - llm.max_requests is the lower of the two set values, so a repository
//     can lower the organisation's but not raise it.
//
// The result shares no map or slice with its arguments.
func Merge(org, repo Config) Config {
	out := Config{
		Version:           cmp.Or(repo.Version, org.Version),
		ReviewersOn:       mergeMaps(org.ReviewersOn, repo.ReviewersOn),
		SeverityThreshold: cmp.Or(repo.SeverityThreshold, org.SeverityThreshold),
		Ignore:            orList(repo.Ignore, org.Ignore),
		Rules: Rules{
			Disable:  orList(repo.Rules.Disable, org.Rules.Disable),
			Severity: mergeMaps(org.Rules.Severity, repo.Rules.Severity),
		},
		Limits: Limits{
			MaxFiles: clonePtr(cmp.Or(repo.Limits.MaxFiles, org.Limits.MaxFiles)),
			MaxLines: clonePtr(cmp.Or(repo.Limits.MaxLines, org.Limits.MaxLines)),
		},
		LLM: LLM{
			Instructions: joinNonEmpty(org.LLM.Instructions, repo.LLM.Instructions),
			Language:     cmp.Or(repo.LLM.Language, org.LLM.Language),
			ContextLines: clonePtr(cmp.Or(repo.LLM.ContextLines, org.LLM.ContextLines)),
			Guidance:     clonePtr(cmp.Or(repo.LLM.Guidance, org.LLM.Guidance)),
			MaxRequests:  lowest(org.LLM.MaxRequests, repo.LLM.MaxRequests),
		},
		Secrets: Secrets{Allow: SecretAllow{
			Paths:     addLists(org.Secrets.Allow.Paths, repo.Secrets.Allow.Paths),
			Values:    addLists(org.Secrets.Allow.Values, repo.Secrets.Allow.Values),
			Stopwords: addLists(org.Secrets.Allow.Stopwords, repo.Secrets.Allow.Stopwords),
		}},
		Source: cmp.Or(repo.Source, org.Source),
	}
	for _, r := range org.Custom {
		out.Custom = append(out.Custom, r.clone())
	}
	for _, r := range repo.Custom {
		if i := slices.IndexFunc(out.Custom, func(o CustomRule) bool { return o.ID == r.ID }); i >= 0 {
			out.Custom[i] = r.clone()
		} else {
			out.Custom = append(out.Custom, r.clone())
		}
	}
	return out
}

// orList returns a copy of repo when it is set (not nil, possibly empty),
// otherwise a copy of org.
func orList(repo, org []string) []string {
	if repo != nil {
		return append([]string{}, repo...)
	}
	return slices.Clone(org)
}

// addLists returns org's entries followed by repo's; nil when both are
// empty.
func addLists(org, repo []string) []string {
	if len(org)+len(repo) == 0 {
		return nil
	}
	return append(slices.Clone(org), repo...)
}

func (r CustomRule) clone() CustomRule {
	r.Paths = slices.Clone(r.Paths)
	return r
}

// mergeMaps returns a new map with a's entries overridden by b's; nil when
// both are empty.
func mergeMaps[V any](a, b map[string]V) map[string]V {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(map[string]V, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	default:
		return a + "\n\n" + b
	}
}

// lowest returns a copy of the smaller of the set values of a and b; nil
// when neither is set.
func lowest(a, b *int) *int {
	switch {
	case a == nil:
		return clonePtr(b)
	case b == nil:
		return clonePtr(a)
	default:
		return ptr(min(*a, *b))
	}
}

func ptr[T any](v T) *T { return &v }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	return ptr(*p)
}
