package worker_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// sarif is what a tool that flags line 2 of the changed file prints.
const sarif = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"fake"}},"results":[
 {"ruleId":"no-eval","level":"error","message":{"text":"eval is dangerous"},
  "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/app.js"},"region":{"startLine":2}}}]}]}]}`

// analyzerUsers returns a pool of 8 user ids for the analyzers of one
// test, from offset on in a range derived from this process's id: the
// ids' processes are killed after every run, so no two pools (nor two
// test processes at once, as far as it goes) may share one.
func analyzerUsers(t *testing.T, offset int) *analyzers.Users {
	t.Helper()
	first := 700000 + os.Getpid()%4096*64 + offset
	u, err := analyzers.NewUsers(first, first+7)
	require.NoError(t, err)
	return u
}

func TestExternalAnalyzers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		command    []string
		wantRule   string
		wantFailed bool
	}{
		{"SARIF results become findings", []string{"/bin/sh", "-c", "test -f src/app.js && printf '%s' '" + sarif + "'"}, "fake/no-eval", false},
		{"a failing tool is reported, not fatal", []string{"/bin/sh", "-c", "echo boom >&2; exit 3"}, "", true},
	}
	for i, tt := range tests {
		users := analyzerUsers(t, 8*i)
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupWith(t, map[string]string{"/src/app.js": "let a;\n"}, map[string]string{"/src/app.js": "let a;\neval(a);\n"},
				func(_ *azdo.Config, w *worker.Config) {
					w.Analyzers = []analyzers.Analyzer{{Name: "fake", Command: tt.command, Timeout: 20 * time.Second, Users: users}}
				})
			rep, err := b.worker.Review(context.Background(), b.req)
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			summary, rules := summaryAndRules(b)
			if tt.wantRule != "" {
				require.True(t, rules[tt.wantRule], "rules posted: %v", rules)
			}
			if tt.wantFailed {
				require.Equal(t, 1, rep.ReviewerErrors)
				require.Contains(t, summary, "analyzer/fake")
				require.Contains(t, summary, "boom")
			}
		})
	}
}

func TestRepositoryCanSwitchAnalyzersOff(t *testing.T) {
	t.Parallel()
	base := map[string]string{"/src/app.js": "let a;\n", "/.azreviewer.yaml": "reviewers: {analyzers: false}\n"}
	b := setupWith(t, base, withBase(base, map[string]string{"/src/app.js": "let a;\neval(a);\n"}),
		func(_ *azdo.Config, w *worker.Config) {
			w.Analyzers = []analyzers.Analyzer{{Name: "fake", Command: []string{"/bin/sh", "-c", "exit 9"}, Users: analyzerUsers(t, 16)}}
		})
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 0, rep.ReviewerErrors, "the tool did not run")
}

func TestAnalyzersSkipOddPathsAndSayItOnce(t *testing.T) {
	t.Parallel()
	odd := "/src/odd\\name.js"
	users := analyzerUsers(t, 24)
	b := setupWith(t, map[string]string{"/src/app.js": "let a;\n"}, map[string]string{"/src/app.js": "let a;\neval(a);\n", odd: "eval(b);\n"},
		func(_ *azdo.Config, w *worker.Config) {
			cmd := []string{"/bin/sh", "-c", "test -f src/app.js && printf '%s' '" + sarif + "'"}
			w.Analyzers = []analyzers.Analyzer{
				{Name: "fake", Command: cmd, Timeout: 20 * time.Second, Users: users},
				{Name: "other", Command: cmd, Timeout: 20 * time.Second, Users: users},
			}
		})
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 0, rep.ReviewerErrors, "an odd path fails no analyzer")
	summary, rules := summaryAndRules(b)
	require.True(t, rules["fake/no-eval"], "the other files are analyzed: %v", rules)
	require.True(t, rules["other/no-eval"], "the other files are analyzed: %v", rules)
	require.Equal(t, 1, strings.Count(summary, "External analyzers were not given 1 changed file"), summary)
	require.Contains(t, summary, markdown.Text(`"/src/odd\\name.js"`), "the path, quoted, as safe prose")
}

// summaryAndRules reads the pull request's threads: the summary's text and
// the rules of the finding threads.
func summaryAndRules(b *bundle) (summary string, rules map[string]bool) {
	rules = map[string]bool{}
	for _, th := range b.sim.Org.PullRequest(b.req.PullRequestID).Threads() {
		if th.ThreadContext == nil {
			summary = *(*th.Comments)[0].Content
			continue
		}
		rules[azdo.ThreadProperty(th, worker.PropRule)] = true
	}
	return summary, rules
}
