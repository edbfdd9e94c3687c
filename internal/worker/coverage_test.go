package worker_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// coverageEnv is what the workers of a TestThreadsOfReviewersThatDidNotLook
// case may be built with: a model reviewer over a markerModel, and an
// analyzer that flags eval( in src/app.js.
type coverageEnv struct {
	llm   reviewer.Reviewer
	users *analyzers.Users
}

// withModel adds the model reviewer to the built-in rules.
func (e coverageEnv) withModel(c *worker.Config) {
	c.Reviewers = []reviewer.Reviewer{reviewer.Rules(), e.llm}
}

// withAnalyzer adds the analyzer "fake", taking the files paths lets
// through (every file without any).
func (e coverageEnv) withAnalyzer(paths ...string) func(*worker.Config) {
	empty := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"fake"}},"results":[]}]}`
	script := fmt.Sprintf(`if grep -q 'eval(' src/app.js 2>/dev/null; then printf '%%s' '%s'; else printf '%%s' '%s'; fi`,
		strings.ReplaceAll(sarif, "\n", ""), empty)
	return func(c *worker.Config) {
		c.Analyzers = []analyzers.Analyzer{{Name: "fake", Command: []string{"/bin/sh", "-c", script}, Paths: paths,
			Timeout: 20 * time.Second, Users: e.users}}
		c.ReviewTimeout = 60 * time.Second
	}
}

// The token the secret scanner reports, split so that no scanner of this
// repository takes it for one.
var coverageToken = "ghp" + "_Xb3kq9ZrT2mWv8LpYc4NdH6sJfA1uE0gR7iA"

// Configuration files of the target branch.
const (
	noTodo     = "custom_rules:\n  - id: no-todo\n    pattern: 'TODO'\n    message: Open a work item instead.\n"
	noTodoInGo = "custom_rules:\n  - id: no-todo\n    pattern: 'TODO'\n    paths: ['**/*.go']\n    message: Open a work item instead.\n"
	noFixme    = "custom_rules:\n  - id: no-fixme\n    pattern: 'FIXME'\n    message: Open a work item instead.\n"
)

// TestThreadsOfReviewersThatDidNotLook: a review marks a finding's thread
// fixed only when a reviewer that ran looked for the finding's rule on its
// file. A second review whose changes touch the file, but in which the
// thread's reviewer did not run — switched off in .azreviewer.yaml (moved
// on the target branch between the reviews), not configured on the worker
// — or did not look there — its rule removed or renamed, its paths
// narrowed, the file allowed — leaves the thread as it is and counts it
// untouched; a finding the configuration now leaves out (a rule disabled,
// a threshold above it) is not gone either. A reviewer that ran and no
// longer finds it marks it fixed, whatever the configuration says of it.
// Each case runs with the review state's index and with the thread list.
func TestThreadsOfReviewersThatDidNotLook(t *testing.T) {
	t.Parallel()
	js := map[string]string{"/app.js": "let a;\n"}
	debuggerJS := map[string]string{"/app.js": "let a;\ndebugger;\n"}
	todoJS := map[string]string{"/app.js": "let a;\n// TODO later\n"}
	keys := map[string]string{"/src/keys.go": "package src\n"}
	keysWith := func(more string) map[string]string {
		return map[string]string{"/src/keys.go": "package src\n\nconst a = \"" + coverageToken + "\"\n" + more}
	}
	model := map[string]string{"/b.js": "const x = 1;\n"}
	app := map[string]string{"/src/app.js": "let a;\n"}
	evalJS := map[string]string{"/src/app.js": "let a;\neval(a);\n"}
	tests := []struct {
		name string
		// base is the common commit, and the target branch until the
		// second review when config is set; head and then next are the
		// pull request's two iterations (plus base's .azreviewer.yaml).
		base, head, next map[string]string
		// config, when not "", is .azreviewer.yaml on the target branch
		// for the second review ("-": no file).
		config string
		// first and second tune the workers of the two reviews.
		first, second func(coverageEnv) func(*worker.Config)
		// want is each finding thread's status after the second review,
		// by rule.
		want                map[string]string
		resolved, untouched int
	}{
		{name: "built-in rules switched off", base: js, head: debuggerJS,
			next:   map[string]string{"/app.js": "let a;\ndebugger;\nlet b;\n"},
			config: "reviewers: {rules: false}\n",
			want:   map[string]string{"debug/debugger": "active"}, untouched: 1},
		{name: "built-in rule disabled, its finding still there", base: js, head: debuggerJS,
			next:   map[string]string{"/app.js": "let a;\ndebugger;\nlet b;\n"},
			config: "rules: {disable: [debug/debugger]}\n",
			want:   map[string]string{"debug/debugger": "active"}},
		{name: "threshold raised above the finding, which is still there", base: js, head: debuggerJS,
			next:   map[string]string{"/app.js": "let a;\ndebugger;\nlet b;\n"},
			config: "severity_threshold: error\n",
			want:   map[string]string{"debug/debugger": "active"}},
		{name: "built-in rule ran and no longer finds it", base: js, head: debuggerJS,
			next: map[string]string{"/app.js": "let a;\nlet b;\n"},
			want: map[string]string{"debug/debugger": "fixed"}, resolved: 1},
		{name: "built-in rule disabled, ran and no longer finds it", base: js, head: debuggerJS,
			next:   map[string]string{"/app.js": "let a;\nlet b;\n"},
			config: "rules: {disable: [debug/debugger]}\n",
			want:   map[string]string{"debug/debugger": "fixed"}, resolved: 1},

		{name: "custom rule removed", base: with(js, ".azreviewer.yaml", noTodo), head: todoJS,
			next: map[string]string{"/app.js": "let a;\n// TODO later\nlet b;\n"}, config: "-",
			want: map[string]string{"custom/no-todo": "active"}, untouched: 1},
		{name: "custom rule renamed", base: with(js, ".azreviewer.yaml", noTodo), head: todoJS,
			next: map[string]string{"/app.js": "let a;\n// TODO later\nlet b;\n"}, config: noFixme,
			want: map[string]string{"custom/no-todo": "active"}, untouched: 1},
		{name: "custom rule's paths narrowed", base: with(js, ".azreviewer.yaml", noTodo), head: todoJS,
			next: map[string]string{"/app.js": "let a;\n// TODO later\nlet b;\n"}, config: noTodoInGo,
			want: map[string]string{"custom/no-todo": "active"}, untouched: 1},
		{name: "custom rules switched off", base: with(js, ".azreviewer.yaml", noTodo), head: todoJS,
			next: map[string]string{"/app.js": "let a;\n// TODO later\nlet b;\n"}, config: noTodo + "reviewers: {custom: false}\n",
			want: map[string]string{"custom/no-todo": "active"}, untouched: 1},
		{name: ".azreviewer.yaml made invalid: the defaults have no custom rule", base: with(js, ".azreviewer.yaml", noTodo), head: todoJS,
			next: map[string]string{"/app.js": "let a;\n// TODO later\nlet b;\n"}, config: noTodo + "severity_treshold: error\n",
			want: map[string]string{"custom/no-todo": "active"}, untouched: 1},
		{name: "custom rule ran and no longer finds it", base: with(js, ".azreviewer.yaml", noTodo), head: todoJS,
			next: map[string]string{"/app.js": "let a;\nlet b;\n"},
			want: map[string]string{"custom/no-todo": "fixed"}, resolved: 1},

		{name: "secret scanner switched off", base: keys, head: keysWith(""), next: keysWith("var b = 1\n"),
			config: "reviewers: {secrets: false}\n",
			want:   map[string]string{"secret/github-pat": "active"}, untouched: 1},
		{name: "secret's file allowed by path", base: keys, head: keysWith(""), next: keysWith("var b = 1\n"),
			config: "secrets: {allow: {paths: ['src/keys.go']}}\n",
			want:   map[string]string{"secret/github-pat": "active"}, untouched: 1},
		{name: "secret scanner ran and no longer finds it", base: keys, head: keysWith(""),
			next: map[string]string{"/src/keys.go": "package src\n\nvar b = 1\n"},
			want: map[string]string{"secret/github-pat": "fixed"}, resolved: 1},

		{name: "model switched off", base: model, head: map[string]string{"/b.js": "const BMARKER = 1;\n"},
			next:   map[string]string{"/b.js": "const BMARKER = 1;\nconst more = 1;\n"},
			config: "reviewers: {llm: false}\n",
			first:  func(e coverageEnv) func(*worker.Config) { return e.withModel },
			second: func(e coverageEnv) func(*worker.Config) { return e.withModel },
			want:   map[string]string{"llm/bug": "active"}, untouched: 1},
		{name: "no model on the worker", base: model, head: map[string]string{"/b.js": "const BMARKER = 1;\n"},
			next:  map[string]string{"/b.js": "const BMARKER = 1;\nconst more = 1;\n"},
			first: func(e coverageEnv) func(*worker.Config) { return e.withModel },
			want:  map[string]string{"llm/bug": "active"}, untouched: 1},
		{name: "model ran and no longer finds it", base: model, head: map[string]string{"/b.js": "const BMARKER = 1;\n"},
			next:   map[string]string{"/b.js": "const y = 1;\n"},
			first:  func(e coverageEnv) func(*worker.Config) { return e.withModel },
			second: func(e coverageEnv) func(*worker.Config) { return e.withModel },
			want:   map[string]string{"llm/bug": "fixed"}, resolved: 1},

		{name: "analyzers switched off", base: app, head: evalJS,
			next:   map[string]string{"/src/app.js": "let a;\neval(a);\nlet b;\n"},
			config: "reviewers: {analyzers: false}\n",
			first:  func(e coverageEnv) func(*worker.Config) { return e.withAnalyzer() },
			second: func(e coverageEnv) func(*worker.Config) { return e.withAnalyzer() },
			want:   map[string]string{"fake/no-eval": "active"}, untouched: 1},
		{name: "analyzer's paths narrowed", base: app, head: evalJS,
			next:   map[string]string{"/src/app.js": "let a;\neval(a);\nlet b;\n"},
			first:  func(e coverageEnv) func(*worker.Config) { return e.withAnalyzer() },
			second: func(e coverageEnv) func(*worker.Config) { return e.withAnalyzer(".go") },
			want:   map[string]string{"fake/no-eval": "active"}, untouched: 1},
		{name: "no such analyzer on the worker", base: app, head: evalJS,
			next:  map[string]string{"/src/app.js": "let a;\neval(a);\nlet b;\n"},
			first: func(e coverageEnv) func(*worker.Config) { return e.withAnalyzer() },
			want:  map[string]string{"fake/no-eval": "active"}, untouched: 1},
		{name: "analyzer ran and no longer finds it", base: app, head: evalJS,
			next:   map[string]string{"/src/app.js": "let a;\nlet b;\n"},
			first:  func(e coverageEnv) func(*worker.Config) { return e.withAnalyzer() },
			second: func(e coverageEnv) func(*worker.Config) { return e.withAnalyzer() },
			want:   map[string]string{"fake/no-eval": "fixed"}, resolved: 1},
	}
	// One pool of user ids for every analyzer of the test: each run takes
	// one of its own.
	users := analyzerUsers(t, 32)
	for _, tt := range tests {
		for _, read := range threadReads {
			t.Run(tt.name+"/"+read.name, func(t *testing.T) {
				t.Parallel()
				marker, _ := markerModel(t)
				llm, err := llmreview.New(llmreview.Config{BaseURL: marker.URL, Model: "test-model", APIKey: "sk-test-x",
					MaxInputTokens: llmreview.MinMaxInputTokens})
				require.NoError(t, err)
				env := coverageEnv{llm: llm, users: users}
				tune := func(f func(coverageEnv) func(*worker.Config)) func(*worker.Config) {
					return func(c *worker.Config) {
						c.ThreadListPeriod = read.period
						if f != nil {
							f(env)(c)
						}
					}
				}
				config, hasConfig := tt.base["/.azreviewer.yaml"]
				head := func(files map[string]string) map[string]string {
					if hasConfig {
						return with(files, ".azreviewer.yaml", config)
					}
					return files
				}
				h := setupHistory(t, tt.base, head(tt.head))
				rep, err := h.worker(t, tune(tt.first)).Review(context.Background(), h.request())
				require.NoError(t, err)
				require.Equal(t, 1, rep.ThreadsPosted, "the first review's finding: %v", statusByRule(h))
				for rule := range tt.want {
					require.Equal(t, "active", statusByRule(h)[rule], "the first review posts %s", rule)
				}

				switch tt.config {
				case "":
				case "-":
					h.pr.MoveTarget(h.sim.Repo.Commit(without(tt.base, "/.azreviewer.yaml")))
				default:
					h.pr.MoveTarget(h.sim.Repo.Commit(with(tt.base, ".azreviewer.yaml", tt.config)))
				}
				h.push(head(tt.next))
				calls := h.calls(func() { rep, err = h.worker(t, tune(tt.second)).Review(context.Background(), h.request()) })
				require.NoError(t, err)
				require.Equal(t, 1, rep.Since, "an incremental review")
				require.Equal(t, read.list, calls["git.threads.list"] > 0, "threads read by list: %v", calls)
				require.Zero(t, rep.ReviewerErrors)
				require.Equal(t, tt.want, statusByRule(h))
				require.Equal(t, tt.resolved, rep.Resolved, "marked fixed")
				require.Equal(t, tt.untouched, rep.Untouched, "left untouched")
				summary := summaryText(h)
				require.Equal(t, tt.resolved > 0, strings.Contains(summary, "no longer found: marked fixed"), summary)
				require.Equal(t, tt.untouched > 0, strings.Contains(summary, "1 finding from earlier iterations not looked for in this review"), summary)
			})
		}
	}
}

// with is files and the file at path (no leading "/") holding content.
func with(files map[string]string, path, content string) map[string]string {
	out := maps.Clone(files)
	out["/"+path] = content
	return out
}

// without is files without path.
func without(files map[string]string, path string) map[string]string {
	out := maps.Clone(files)
	delete(out, path)
	return out
}

// summaryText is the text of the summary thread on h's pull request.
func summaryText(h *history) string {
	for _, th := range h.pr.Threads() {
		if azdo.ThreadProperty(th, worker.PropSummary) != "" && th.Comments != nil && len(*th.Comments) > 0 {
			return *(*th.Comments)[0].Content
		}
	}
	return ""
}

// TestIgnoredRuleKeepsItsOtherThreads: /azreviewer ignore in one thread
// of a rule stops the rule being reported on the pull request, but its
// other threads are not fixed: a review that touches their file leaves
// them as they are.
func TestIgnoredRuleKeepsItsOtherThreads(t *testing.T) {
	t.Parallel()
	for _, read := range threadReads {
		t.Run(read.name, func(t *testing.T) {
			t.Parallel()
			h := setupHistory(t, map[string]string{"/a.js": "let a;\n", "/b.js": "let b;\n"},
				map[string]string{"/a.js": "let a;\ndebugger;\n", "/b.js": "let b;\ndebugger;\n"})
			w := h.worker(t, func(c *worker.Config) { c.ThreadListPeriod = read.period })
			rep, err := w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.Equal(t, 2, rep.ThreadsPosted)
			status := func() map[string]string {
				out := map[string]string{}
				for _, th := range h.pr.Threads() {
					if th.ThreadContext != nil && th.Status != nil {
						out[*th.ThreadContext.FilePath] = string(*th.Status)
					}
				}
				return out
			}
			var onA int
			for _, th := range h.pr.Threads() {
				if th.ThreadContext != nil && *th.ThreadContext.FilePath == "/a.js" {
					onA = *th.Id
				}
			}
			req := h.request()
			req.Trigger = events.TriggerComment
			req.Comment = &events.CommentRef{ThreadID: onA, CommentID: 2, AuthorID: azdotest.Author().ID, Content: "/azreviewer ignore"}
			rep, err = w.Review(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeCommand, rep.Outcome)
			require.Equal(t, map[string]string{"/a.js": "wontFix", "/b.js": "active"}, status())

			h.push(map[string]string{"/a.js": "let a;\ndebugger;\n", "/b.js": "let b;\ndebugger;\nlet c;\n"})
			rep, err = w.Review(context.Background(), h.request())
			require.NoError(t, err)
			require.Zero(t, rep.Resolved)
			require.Zero(t, rep.ThreadsPosted)
			require.Equal(t, map[string]string{"/a.js": "wontFix", "/b.js": "active"}, status())
		})
	}
}
