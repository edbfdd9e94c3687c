package repoconfig_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// nested returns a file whose ignore list holds a list nested depth levels
// deep in flow style: "ignore: [[[x]]]" for 3.
func nested(depth int) string {
	return "ignore: " + strings.Repeat("[", depth) + "x" + strings.Repeat("]", depth) + "\n"
}

// rules returns a custom_rules section of n rules with the given pattern.
func rules(n int, pattern string) string {
	var sb strings.Builder
	sb.WriteString("custom_rules:\n")
	for i := range n {
		fmt.Fprintf(&sb, "- {id: r%d, pattern: '%s', message: m}\n", i, pattern)
	}
	return sb.String()
}

// TestParseBudgets checks that a file cannot make the parser or the custom
// rules spend without bound: each case is refused with a located problem.
func TestParseBudgets(t *testing.T) {
	t.Parallel()
	bomb := strings.Repeat("[", 60<<10) // 60 KiB of "[": 5 GB to parse without the depth limit
	tests := []struct {
		name string
		in   string
		want string // the first problem
	}{
		{"nesting bomb", bomb,
			`.azreviewer.yaml line 1, column 17: lists and mappings are nested more than 16 levels deep here; the limit is 16 (a valid file needs at most 5)`},
		{"nested mappings in flow style", strings.Repeat("{a: ", 10<<10),
			`.azreviewer.yaml line 1, column 65: lists and mappings are nested more than 16 levels deep here; the limit is 16 (a valid file needs at most 5)`},
		{"nested block lists on one line", strings.Repeat("- ", 30<<10) + "x\n",
			`.azreviewer.yaml line 1, column 33: lists and mappings are nested more than 16 levels deep here; the limit is 16 (a valid file needs at most 5)`},
		{"nested block mappings by indentation", func() string {
			var sb strings.Builder
			for i := range 40 {
				sb.WriteString(strings.Repeat(" ", i) + "a:\n")
			}
			return sb.String()
		}(), `.azreviewer.yaml line 17, column 17: lists and mappings are nested more than 16 levels deep here; the limit is 16 (a valid file needs at most 5)`},
		{"nested behind a comment and a block scalar", "llm:\n  instructions: |\n    [[[[[[[[[[[[[[[[[[[[\n# [[[[[[[[[[[[[[[[[[[[\nseverity_threshold: \"[[[[[[[[[[[[[[[[[[[[\"\n" + nested(17),
			`.azreviewer.yaml line 6, column 24: lists and mappings are nested more than 16 levels deep here; the limit is 16 (a valid file needs at most 5)`},
		{"one level over", nested(16),
			`.azreviewer.yaml line 1, column 24: lists and mappings are nested more than 16 levels deep here; the limit is 16 (a valid file needs at most 5)`},
		{"at the limit it is parsed", nested(15),
			`.azreviewer.yaml line 1, column 10: ignore[0]: expected a string, got a list`},
		{"too large", strings.Repeat("# a comment\n", 6000),
			`.azreviewer.yaml line 5462, column 5: the file is longer than the limit of 65536 bytes (64 KiB); it must end before this point`},
		{"too many custom rules", rules(101, "x"),
			`.azreviewer.yaml line 102, column 3: custom_rules[100]: more than 100 custom rules (this list has 101); the limit is 100`},
		{"too many custom rules, the last an unknown alias", rules(100, "x") + "- *nope\n",
			`.azreviewer.yaml line 2, column 1: custom_rules[100]: more than 100 custom rules (this list has 101); the limit is 100`},
		// The attacker's file: 946 rules of this pattern took a review 58 s.
		{"regexp CPU bomb", rules(946, `[\p{L}\p{N}]{1,1000}`),
			`.azreviewer.yaml line 2, column 21: custom_rules[0].pattern: "[\\p{L}\\p{N}]{1,1000}" is too large: it expands to more than 1000 instructions, the limit; shorten the repetition {1,1000}`},
		{"repetition inside a repetition", rules(1, `(?:(?:ab){1,30}c){1,30}`),
			`.azreviewer.yaml line 2, column 21: custom_rules[0].pattern: "(?:(?:ab){1,30}c){1,30}" is too large: it expands to more than 1000 instructions, the limit; shorten the repetition {1,30}`},
		{"long literal", rules(1, strings.Repeat("a", 1001)),
			`.azreviewer.yaml line 2, column 21: custom_rules[0].pattern: "` + strings.Repeat("a", 79) + `…" is too large: it expands to more than 1000 instructions, the limit; make it shorter`},
		{"all patterns together", rules(30, `[a-z]{1,450}`),
			`.azreviewer.yaml line 24, column 22: custom_rules[22].pattern: the custom rules' patterns up to this one compile to 20723 instructions; the limit for all of them together is 20000`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := repoconfig.Parse([]byte(tt.in))
			var cfgErr *repoconfig.Error
			require.ErrorAs(t, err, &cfgErr)
			require.Equal(t, tt.want, cfgErr.Problems[0].Error())
			for _, p := range cfgErr.Problems {
				require.Positive(t, p.Line, "%s", p)
				require.Positive(t, p.Column, "%s", p)
			}
		})
	}
}

// TestParseWithinBudgets checks files at the limits are accepted.
func TestParseWithinBudgets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		rules int
	}{
		{"100 rules", rules(repoconfig.MaxCustomRules, `TODO\(`), 100},
		{"a pattern of 999 instructions", rules(1, `[a-z]{1,499}`), 1},
		{"20000 instructions in all", rules(20, `[a-z]{1,499}`), 20},
		{"a file of 64 KiB", "version: 1\n" + strings.Repeat("#", repoconfig.MaxFileBytes-len("version: 1\n")), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := repoconfig.Parse([]byte(tt.in))
			require.NoError(t, err)
			require.Len(t, cfg.Custom, tt.rules)
			_, err = cfg.CustomRules()
			require.NoError(t, err)
		})
	}
}

// doneAfter is a context that is not done for its first looks and done
// (deadline exceeded) from then on, so a test can tell how often a reviewer
// looks without timing it.
type doneAfter struct {
	context.Context
	looks atomic.Int64
	limit int64
}

func (c *doneAfter) Err() error {
	if c.looks.Add(1) > c.limit {
		return context.DeadlineExceeded
	}
	return nil
}

// TestCustomRulesStopWithinAFile checks that the custom rules look at the
// context between lines and within a long line, not once per file, so a
// review's deadline holds however slow the patterns are.
func TestCustomRulesStopWithinAFile(t *testing.T) {
	t.Parallel()
	cfg, err := repoconfig.Parse([]byte(rules(2, `[\p{L}\p{N}]{1,450}$`)))
	require.NoError(t, err)
	r, err := cfg.CustomRules()
	require.NoError(t, err)
	tests := []struct {
		name  string
		lines []string
	}{
		{"many short lines", []string{"a", "b", "c", "d"}},
		{"one long line", []string{strings.Repeat("a", 1<<19)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := reviewer.Diff("/a.txt", "", reviewer.ChangeAdd, nil, []byte(strings.Join(tt.lines, "\n")+"\n"), reviewer.DiffOptions{})
			pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{file}}
			ctx := &doneAfter{Context: context.Background(), limit: 2}
			got, err := r.Review(ctx, pr)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.Empty(t, got)
		})
	}
}
