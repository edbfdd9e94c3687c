package repoconfig_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return data
}

func intp(v int) *int { return &v }

// fullConfig is what testdata/full.yaml holds.
func fullConfig() repoconfig.Config {
	return repoconfig.Config{
		Version:     1,
		ReviewersOn: map[string]bool{"rules": true, "secrets": true, "llm": false, "custom": true},
		Rules: repoconfig.Rules{
			Disable:  []string{"debug/console-log"},
			Severity: map[string]reviewer.Severity{"debug/go-print": reviewer.SeverityWarning, "custom/no-todo": reviewer.SeverityError},
		},
		SeverityThreshold: reviewer.SeverityWarning,
		Ignore:            []string{"vendor/**", "**/*.min.js", "/docs/**"},
		Limits:            repoconfig.Limits{MaxFiles: intp(300), MaxLines: intp(20000)},
		Custom: []repoconfig.CustomRule{
			{
				ID:       "no-todo",
				Pattern:  `TODO\(`,
				Paths:    []string{"**/*.go"},
				Severity: reviewer.SeverityInfo,
				Message:  "Open a work item instead of a TODO.",
			},
			{ID: "no-println", Pattern: `System\.out\.println`, Message: "Use the logger."},
		},
		LLM: repoconfig.LLM{
			Instructions: "We use testify; prefer require over assert.\nBe brief.",
			Language:     "English",
		},
		Secrets: repoconfig.Secrets{Allow: repoconfig.SecretAllow{
			Paths:     []string{"test/fixtures/**"},
			Values:    []string{`^AKIA[A-Z2-7]{12}EXAMPLE$`},
			Stopwords: []string{"dummy"},
		}},
	}
}

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want repoconfig.Config
	}{
		{"full.yaml", fullConfig()},
		{"empty.yaml", repoconfig.Config{Version: 1}},
		{"anchors.yaml", repoconfig.Config{
			Version: 1,
			Ignore:  []string{"gen/**"},
			Custom: []repoconfig.CustomRule{{
				ID: "no-gen-edit", Pattern: "DO NOT EDIT", Paths: []string{"gen/**"},
				Message: "Generated files should not be edited by hand.",
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := repoconfig.Parse(readFixture(t, tt.file))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseInline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want repoconfig.Config
	}{
		{"nothing at all", "", repoconfig.Config{Version: 1}},
		{"key without value is unset", "ignore:\nllm:\n", repoconfig.Config{Version: 1}},
		{"empty list is set", "ignore: []\n", repoconfig.Config{Version: 1, Ignore: []string{}}},
		{"zero limit", "limits: {max_files: 0}\n", repoconfig.Config{Version: 1, Limits: repoconfig.Limits{MaxFiles: intp(0)}}},
		{"numbers as strings", "llm: {language: 42}\n", repoconfig.Config{Version: 1, LLM: repoconfig.LLM{Language: "42"}}},
		{"single-key rule", "custom_rules:\n- {id: a, pattern: b, message: c}\n", repoconfig.Config{
			Version: 1, Custom: []repoconfig.CustomRule{{ID: "a", Pattern: "b", Message: "c"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := repoconfig.Parse([]byte(tt.in))
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

// TestParseRoundTrip checks that the yaml tags of Config describe the format
// Parse reads: a parsed file, written back with goccy/go-yaml, parses to the
// same Config.
func TestParseRoundTrip(t *testing.T) {
	t.Parallel()
	cfg, err := repoconfig.Parse(readFixture(t, "full.yaml"))
	require.NoError(t, err)
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	again, err := repoconfig.Parse(out)
	require.NoError(t, err, "%s", out)
	require.Equal(t, cfg, again)
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want []string // every problem, in order
	}{
		{"invalid_syntax.yaml", []string{
			`.azreviewer.yaml line 4, column 2: YAML syntax error: value is not allowed in this context`,
		}},
		{"invalid_unknown_key.yaml", []string{
			`.azreviewer.yaml line 2, column 1: unknown key "severity_treshold" (did you mean "severity_threshold"?); the keys allowed here are version, reviewers, rules, severity_threshold, ignore, limits, custom_rules, secrets, llm`,
		}},
		{"invalid_severity.yaml", []string{
			`.azreviewer.yaml line 3, column 21: severity_threshold: "urgent" is not one of info, warning, error`,
		}},
		{"invalid_regexp.yaml", []string{
			`.azreviewer.yaml line 3, column 14: custom_rules[0].pattern: "TODO(" is not a valid Go (RE2) regular expression: missing closing ) in "TODO("`,
		}},
		{"invalid_glob.yaml", []string{
			`.azreviewer.yaml line 3, column 5: ignore[1]: "src/[abc" is not a valid glob pattern (check its brackets and braces); expected something like "vendor/**" or "**/*.min.js"`,
		}},
		{"invalid_duplicate_id.yaml", []string{
			`.azreviewer.yaml line 5, column 9: custom_rules[1].id: "no-todo" is already the id of custom_rules[0] (line 2); ids must be unique`,
		}},
		{"invalid_negative_limit.yaml", []string{
			`.azreviewer.yaml line 3, column 14: limits.max_lines: -5 is negative; expected 0 (no limit) or more`,
		}},
		{"invalid_version.yaml", []string{
			`.azreviewer.yaml line 1, column 10: version: 2 is not supported; the only version is 1`,
		}},
		{"invalid_several.yaml", []string{
			`.azreviewer.yaml line 1, column 10: version: 3 is not supported; the only version is 1`,
			`.azreviewer.yaml line 3, column 10: reviewers.rules: expected true or false, got "yes"`,
			`.azreviewer.yaml line 4, column 3: reviewers: unknown reviewer "lint"; the reviewers are rules, secrets, llm, custom, analyzers`,
			`.azreviewer.yaml line 6, column 13: rules.disable[0]: "Debug Console" is not a rule id; rule ids look like "debug/console-log", or "custom/no-todo" for a custom rule`,
			`.azreviewer.yaml line 7, column 32: rules.severity.debug/go-print: "urgent" is not one of info, warning, error`,
			`.azreviewer.yaml line 8, column 21: severity_threshold: "high" is not one of info, warning, error`,
			`.azreviewer.yaml line 9, column 9: ignore: expected a list of glob patterns, like ["vendor/**"], got "vendor/**"`,
			`.azreviewer.yaml line 10, column 21: limits.max_files: expected a whole number (0 or more), got "lots"`,
			`.azreviewer.yaml line 10, column 38: limits.max_lines: -1 is negative; expected 0 (no limit) or more`,
			`.azreviewer.yaml line 12, column 9: custom_rules[0].id: "No_Todo" is not a valid id; expected lower-case letters, digits and hyphens, starting with a letter or digit, at most 64 characters, like "no-todo"`,
			`.azreviewer.yaml line 13, column 14: custom_rules[0].pattern: "(" is not a valid Go (RE2) regular expression: missing closing ) in "("`,
			`.azreviewer.yaml line 14, column 13: custom_rules[0].paths[0]: "{a,b" is not a valid glob pattern (check its brackets and braces); expected something like "vendor/**" or "**/*.min.js"`,
			`.azreviewer.yaml line 15, column 15: custom_rules[0].severity: "fatal" is not one of info, warning, error`,
			`.azreviewer.yaml line 16, column 14: custom_rules[0].message: is empty; expected the text of the comment: what is wrong and what to do`,
			`.azreviewer.yaml line 17, column 5: custom_rules[1]: id is missing; every custom rule needs id, pattern and message`,
			`.azreviewer.yaml line 17, column 5: custom_rules[1]: message is missing; every custom rule needs id, pattern and message`,
			`.azreviewer.yaml line 21, column 5: custom_rules[2]: unknown key "colour"; the keys allowed here are id, pattern, paths, severity, message`,
			`.azreviewer.yaml line 22, column 9: custom_rules[3].id: "ok" is already the id of custom_rules[2] (line 18); ids must be unique`,
			`.azreviewer.yaml line 25, column 21: llm.instructions: expected a string, got a list`,
			`.azreviewer.yaml line 25, column 29: llm: unknown key "tone"; the keys allowed here are instructions, language, context_lines, guidance, max_requests`,
			`.azreviewer.yaml line 26, column 1: unknown key "extra"; the keys allowed here are version, reviewers, rules, severity_threshold, ignore, limits, custom_rules, secrets, llm`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := repoconfig.Parse(readFixture(t, tt.file))
			require.Error(t, err)
			require.Equal(t, repoconfig.Config{}, got, "an invalid file yields the zero Config")
			var cfgErr *repoconfig.Error
			require.ErrorAs(t, err, &cfgErr)
			var msgs []string
			for _, p := range cfgErr.Problems {
				msgs = append(msgs, p.Error())
				require.Positive(t, p.Line, "every problem has a line: %s", p)
				require.Positive(t, p.Column, "every problem has a column: %s", p)
			}
			require.Equal(t, tt.want, msgs)
			require.Equal(t, strings.Join(tt.want, "\n"), err.Error())

			var p repoconfig.Problem
			require.ErrorAs(t, err, &p, "errors.As finds a Problem")
			require.Equal(t, tt.want[0], p.Error())
		})
	}
}

func TestParseInvalidInline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"not a mapping", "- a\n- b\n",
			`.azreviewer.yaml line 1, column 1: expected the file to be a mapping of keys (version, reviewers, rules, …), got a list`},
		{"two documents", "version: 1\n---\nignore: []\n",
			`.azreviewer.yaml line 3, column 1: the file must hold a single YAML document, but another one starts here (after ---)`},
		{"merge key", "llm:\n  <<: {language: English}\n",
			`.azreviewer.yaml line 2, column 3: llm: merge keys (<<) are not supported; write the keys out`},
		{"duplicate key", "version: 1\nversion: 1\n",
			`.azreviewer.yaml line 2, column 1: YAML syntax error: mapping key "version" already defined at [1:1]`},
		{"version as string", "version: \"1\"\n",
			`.azreviewer.yaml line 1, column 10: version: "1" is not supported; the only version is 1`},
		{"prefixed custom id", "custom_rules: [{id: custom/x, pattern: a, message: b}]\n",
			`.azreviewer.yaml line 1, column 21: custom_rules[0].id: "custom/x": write the id without the "custom/" prefix, which findings get automatically`},
		{"custom rule not a mapping", "custom_rules: [no-todo]\n",
			`.azreviewer.yaml line 1, column 16: custom_rules[0]: expected a rule: a mapping with id, pattern and message, got "no-todo"`},
		{"huge limit", "limits: {max_lines: 99999999999}\n",
			`.azreviewer.yaml line 1, column 21: limits.max_lines: 99999999999 is too large; expected at most 2147483647`},
		{"unknown alias", "ignore: *nope\n",
			`.azreviewer.yaml line 1, column 9: ignore: alias *nope refers to no anchor &nope defined before it`},
		{"empty glob", "ignore: [\"\"]\n",
			`.azreviewer.yaml line 1, column 10: ignore[0]: is empty; expected a glob pattern like "vendor/**"`},
		{"bad severity key", "rules: {severity: {Loud: error}}\n",
			`.azreviewer.yaml line 1, column 20: rules.severity: "Loud" is not a rule id; rule ids look like "debug/console-log", or "custom/no-todo" for a custom rule`},
		{"allowed value not a regexp", "secrets: {allow: {values: [\"(\"]}}\n",
			`.azreviewer.yaml line 1, column 28: secrets.allow.values[0]: "(" is not a valid Go (RE2) regular expression: missing closing ) in "("`},
		{"allowed value too large", "secrets: {allow: {values: [\"[a-z]{1,999}\"]}}\n",
			`.azreviewer.yaml line 1, column 28: secrets.allow.values[0]: "[a-z]{1,999}" is too large: it expands to more than 1000 instructions, the limit; shorten the repetition {1,999}`},
		{"allowed values too large together", "secrets: {allow: {values: [" + strings.Repeat(`"[a-z]{1,400}", `, 7) + "x]}}\n",
			`.azreviewer.yaml line 1, column 124: secrets.allow.values[6]: the allowed value patterns up to this one compile to 5607 instructions; the limit for all of them together is 5000`},
		{"short stop word", "secrets: {allow: {stopwords: [ab]}}\n",
			`.azreviewer.yaml line 1, column 31: secrets.allow.stopwords[0]: "ab": a stop word has 4 to 200 characters and no surrounding spaces`},
		{"allowed path not a glob", "secrets: {allow: {paths: [\"a/[b\"]}}\n",
			`.azreviewer.yaml line 1, column 27: secrets.allow.paths[0]: "a/[b" is not a valid glob pattern (check its brackets and braces); expected something like "vendor/**" or "**/*.min.js"`},
		{"unknown secrets key", "secrets: {allowed: {}}\n",
			`.azreviewer.yaml line 1, column 11: secrets: unknown key "allowed" (did you mean "allow"?); the keys allowed here are allow`},
		{"multi-line language", "llm: {language: \"a\\nb\"}\n",
			`.azreviewer.yaml line 1, column 17: llm.language: expected a language name like "English" on one line, of at most 40 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := repoconfig.Parse([]byte(tt.in))
			require.EqualError(t, err, tt.want)
		})
	}

	t.Run("too large", func(t *testing.T) {
		t.Parallel()
		_, err := repoconfig.Parse([]byte(strings.Repeat("#", repoconfig.MaxFileBytes+1)))
		require.EqualError(t, err, ".azreviewer.yaml line 1, column 65537: the file is longer than the limit of 65536 bytes (64 KiB); it must end before this point")
	})
	t.Run("instructions too long", func(t *testing.T) {
		t.Parallel()
		_, err := repoconfig.Parse([]byte("llm: {instructions: " + strings.Repeat("a", repoconfig.MaxInstructions+1) + "}\n"))
		require.ErrorContains(t, err, "llm.instructions: is 4001 characters long; the limit is 4000")
	})
}

// TestDocExample checks that the annotated example of the package
// documentation is a valid file.
func TestDocExample(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	var example []string
	in := false
	for l := range strings.SplitSeq(string(src), "\n") {
		switch {
		case strings.HasPrefix(l, "//\t# .azreviewer.yaml"):
			in = true
		case in && l == "// # Errors":
			in = false
		case in && (l == "//" || strings.HasPrefix(l, "//\t")):
			example = append(example, strings.TrimPrefix(strings.TrimPrefix(l, "//"), "\t"))
		}
	}
	require.Greater(t, len(example), 30)
	cfg, err := repoconfig.Parse([]byte(strings.Join(example, "\n")))
	require.NoError(t, err)
	require.Len(t, cfg.Custom, 1)
	require.Equal(t, []string{"vendor/**", "**/*.min.js", "docs"}, cfg.Ignore)
	require.Equal(t, "We use testify; prefer require over assert.", cfg.LLM.Instructions)
}

func TestErrorUnwrap(t *testing.T) {
	t.Parallel()
	_, err := repoconfig.Parse(readFixture(t, "invalid_several.yaml"))
	var cfgErr *repoconfig.Error
	require.ErrorAs(t, err, &cfgErr)
	require.Len(t, cfgErr.Unwrap(), len(cfgErr.Problems))
	require.True(t, errors.Is(err, cfgErr.Problems[3]))
	require.Equal(t, "line 1, column 10: version: 3 is not supported; the only version is 1", cfgErr.Problems[0].Detail())
}
