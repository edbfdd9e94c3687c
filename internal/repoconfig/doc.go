// Package repoconfig reads and applies the per-repository review
// configuration, the file .azreviewer.yaml at the root of the repository,
// read from the pull request's target branch (so a pull request cannot
// loosen its own review).
//
// It is pure logic, without HTTP or NATS: the caller fetches the file, calls
// [Parse], combines the result with the organisation-wide defaults of the
// worker's configuration with [Merge] (over [Defaults]), and then:
//
//   - [Config.Filter] removes ignored files and files beyond the limits from
//     the [reviewer.PullRequest], saying why for each;
//   - [Config.Reviewers] picks the reviewers left on, and
//     [Config.CustomRules] builds the Reviewer of the repository's own
//     regular-expression rules;
//   - [Config.Apply] drops disabled rules' findings, applies severity
//     overrides and the severity threshold to the output of [reviewer.Run];
//   - [Config.Describe] gives a line for the review summary.
//
// When the file is invalid, [Parse] reports every problem at once (an
// [*Error], each [Problem] with its line, column and field), the caller uses
// the defaults, and posts the single comment [ErrorComment] returns.
//
// # The file
//
// Every key is optional; a key left out (or left without a value) keeps the
// organisation's setting. Unknown keys are errors.
//
//	# .azreviewer.yaml
//	version: 1                 # the file format; 1 is the only version (default 1)
//
//	# Reviewers on or off by name: rules (the built-in rules), secrets (the
//	# secret scanner), llm (the language-model reviewer), custom
//	# (custom_rules below), analyzers (every external analyzer the operator
//	# configured). Default: all on.
//	reviewers:
//	  rules: true
//	  llm: false
//
//	rules:
//	  # Rule ids whose findings are never posted.
//	  disable: ["debug/console-log", "custom/no-todo"]
//	  # A different severity for a rule's findings: info, warning or error.
//	  severity:
//	    debug/go-print: warning
//
//	# Findings less serious than this are not posted: info (all), warning or
//	# error.
//	severity_threshold: warning
//
//	# Paths not reviewed: doublestar globs matched against the path without
//	# its leading "/". "*" stays within a directory and "**" crosses
//	# directories; a pattern matching a directory covers all under it.
//	ignore:
//	  - "vendor/**"
//	  - "**/*.min.js"
//	  - "docs"
//
//	# Files beyond these limits are skipped by every reviewer, and the
//	# review says so. 0 means no limit. Defaults: 1000 files, 100000 added
//	# lines. The model and the external analyzers have their own, smaller
//	# bounds within these (see llm.max_requests; the analyzers get at most
//	# 300 files and 20000 added lines).
//	limits:
//	  max_files: 1000          # files with added lines
//	  max_lines: 100000        # added lines, all files together
//
//	# The repository's own rules, run on added lines only.
//	custom_rules:
//	  - id: no-todo            # findings have rule id "custom/no-todo"
//	    pattern: "TODO\\("     # a Go (RE2) regular expression, per line
//	    paths: ["**/*.go"]     # optional: only these files (globs as above)
//	    severity: info         # optional: info, warning (default) or error
//	    message: "Open a work item instead of a TODO."
//
//	# What the secret scanner leaves quiet; these lists add to the
//	# organisation's. A line can also say azreviewer:ignore.
//	secrets:
//	  allow:
//	    paths: ["test/fixtures/**"]  # files not scanned (globs as above)
//	    values: ["^sk_test_"]        # a found value matching one (RE2)
//	    stopwords: ["dummy"]         # a found value containing one (4+ chars)
//
//	# The language-model reviewer.
//	llm:
//	  # Added to the organisation's instructions (at most 4000 characters).
//	  instructions: |
//	    We use testify; prefer require over assert.
//	  # The language of the review comments.
//	  language: English
//	  # At most this many model requests per review (1 or more): the files
//	  # beyond, in pull-request order, are named in the summary as not
//	  # reviewed by the model. It can lower the operator's bound
//	  # (LLM_MAX_REQUESTS, default 8), never raise it.
//	  max_requests: 4
//
// # Errors
//
// Each problem reads like
//
//	.azreviewer.yaml line 7, column 21: severity_threshold: "urgent" is not one of info, warning, error
//
// [Problem.Detail] gives the same without the file name.
//
// # Limits
//
// The file comes from whoever can push to the target branch, so what it can
// cost is bounded before it is spent, each excess reported with its line
// and column like any other problem:
//
//   - at most [MaxFileBytes] (64 KiB), checked before anything else;
//   - lists and mappings nested at most [MaxDepth] (16) levels deep,
//     checked after tokenizing (linear in the size) and before parsing
//     (whose memory grows with the square of the depth);
//   - at most [MaxCustomRules] (100) custom rules;
//   - each pattern at most [MaxPatternProgram] (1000) regexp/syntax
//     instructions, a repetition weighing as often as it repeats, checked
//     before the pattern is compiled, and all patterns together at most
//     [MaxCustomProgram] (20000).
//
// The custom rules look at the review's context before every match and,
// when a match may take over 4 Mi steps (the line's length times the
// pattern's program size), every 1024 characters within it, so a deadline
// holds whatever the patterns.
//
// # Merging
//
// [Merge] overrides the organisation's configuration with the repository's
// field by field: scalars replace, maps (reviewers, rules.severity) merge
// key by key, lists (ignore, rules.disable) replace, custom_rules merge by
// id, llm.instructions add up, and llm.max_requests takes the lower value.
package repoconfig
