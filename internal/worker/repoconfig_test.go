package worker_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/worker"
)

func TestRepositoryConfiguration(t *testing.T) {
	t.Parallel()
	head := map[string]string{
		"/app.go":        "package app\n\n// TODO(jo): remove\nvar x = 1\n",
		"/web/site.js":   "let a;\nconsole.log(a);\n",
		"/legacy/lib.js": "console.log('legacy');\n",
	}
	t.Run("the target branch's file shapes the review", func(t *testing.T) {
		t.Parallel()
		base := map[string]string{"/.azreviewer.yaml": `
ignore: ["legacy/**"]
rules:
  severity: {"debug/console-log": error}
custom_rules:
  - id: no-todo
    pattern: 'TODO\('
    paths: ["**/*.go"]
    severity: info
    message: Open a work item instead of a TODO.
`}
		c := setupCoordinated(t, base, withBase(base, head))
		rep, err := c.new(t).Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
		rules := map[string]string{}
		var summary string
		for _, th := range c.pr.Threads() {
			text := *(*th.Comments)[0].Content
			if th.ThreadContext == nil {
				summary = text
				continue
			}
			rules[*th.ThreadContext.FilePath] = text
		}
		require.Contains(t, rules["/app.go"], "custom/no-todo")
		require.Contains(t, rules["/web/site.js"], "**Error** · `debug/console-log`", "severity overridden")
		require.NotContains(t, rules, "/legacy/lib.js", "ignored path")
		require.Contains(t, summary, "legacy/lib.js")
		require.Contains(t, summary, markdown.Text(".azreviewer.yaml from main"), "escaped: the branch name is the repository's")
		require.Equal(t, "failed", rep.Status, "an error-severity finding is open")
	})
	t.Run("the file's secret allow-list silences the scanner", func(t *testing.T) {
		t.Parallel()
		tok := func(c string) string { return "ghp" + "_Xb3kq9ZrT2mWv8LpYc4NdH6sJfA1uE0gR7i" + c }
		files := map[string]string{"/src/keys.go": "package src\n\nconst a = \"" + tok("A") + "\"\nconst b = \"" + tok("B") + "\"\n"}
		for _, tc := range []struct {
			name, file string
			lines      []int
		}{
			{"without", "", []int{3, 4}},
			{"with", "secrets: {allow: {values: ['7iA$']}}\n", []int{4}},
		} {
			base := map[string]string{}
			if tc.file != "" {
				base["/.azreviewer.yaml"] = tc.file
			}
			c := setupCoordinated(t, base, withBase(base, files))
			_, err := c.new(t).Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
			require.NoError(t, err)
			var lines []int
			for _, th := range c.pr.Threads() {
				if th.ThreadContext != nil && strings.Contains(*(*th.Comments)[0].Content, "secret/github-pat") {
					lines = append(lines, *th.ThreadContext.RightFileStart.Line)
				}
			}
			slices.Sort(lines)
			require.Equal(t, tc.lines, lines, tc.name)
		}
	})
	t.Run("an invalid file gets one comment and the defaults", func(t *testing.T) {
		t.Parallel()
		base := map[string]string{"/.azreviewer.yaml": "severity_treshold: warning\n"}
		c := setupCoordinated(t, base, withBase(base, head))
		w := c.new(t)
		for range 2 { // a forced re-review does not repeat the comment
			req := c.request(events.TriggerComment, c.pr.Head())
			req.Comment = &events.CommentRef{CommentID: 1, Content: "/azreviewer review"}
			_, err := w.Review(context.Background(), req)
			require.NoError(t, err)
		}
		var configComments, findings int
		for _, th := range c.pr.Threads() {
			text := *(*th.Comments)[0].Content
			switch {
			case strings.Contains(text, `unknown key "severity_treshold" (did you mean "severity_threshold"?)`):
				configComments++
			case th.ThreadContext != nil:
				findings++
			}
		}
		require.Equal(t, 1, configComments)
		require.Equal(t, 2, findings, "the defaults: console.log in site.js and in legacy, no custom rule")
	})
	t.Run("a nesting bomb is refused before it is parsed", func(t *testing.T) {
		t.Parallel()
		base := map[string]string{"/.azreviewer.yaml": strings.Repeat("[", 60<<10)} // 5 GB to parse
		c := setupCoordinated(t, base, withBase(base, head))
		rep, err := c.new(t).Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
		var comment string
		for _, th := range c.pr.Threads() {
			if text := *(*th.Comments)[0].Content; strings.Contains(text, "line 1, column 17: lists and mappings are nested more than 16 levels deep") {
				comment = text
			}
		}
		require.NotEmpty(t, comment, "the configuration comment names the line and column")
	})
	t.Run("the file's own text cannot mention anyone in the comment", func(t *testing.T) {
		t.Parallel()
		base := map[string]string{"/.azreviewer.yaml": "\"@<ALL> please look\": 1\n"}
		c := setupCoordinated(t, base, withBase(base, head))
		_, err := c.new(t).Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
		require.NoError(t, err)
		found := false
		for _, th := range c.pr.Threads() {
			text := *(*th.Comments)[0].Content
			require.NotContains(t, text, "@<")
			found = found || strings.Contains(text, "please look")
		}
		require.True(t, found, "the problem is reported")
	})
}

func withBase(base, head map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range head {
		out[k] = v
	}
	return out
}
