package worker_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/llmreview"
	"github.com/azreviewer/azreviewer/internal/llmreview/llmtest"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/markdown/markdowntest"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// hostileText is what a pull request's author or a prompt-injected model
// can put in any text a comment shows.
const hostileText = "@<ALL> `x`\n# Owned\n```\n<img src=https://evil.example/b.png> [a](javascript:alert(1)) https://evil.example\n- item"

// TestSummaryPathsStayInTheirItems: a skipped path with a backtick and a
// newline (issue 8, hole 13), and every other text a reviewer or the
// configuration adds to the summary, cannot break out of its place.
func TestSummaryPathsStayInTheirItems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sum  worker.Summary
	}{
		{"skipped path with a backtick and a newline", worker.Summary{Result: reviewer.Result{Skipped: []reviewer.SkippedFile{
			{Path: "/a`b\n# Owned\n- `c", Reason: "binary"},
			{Path: "/d``\n```\n", Reason: "binary"},
		}}}},
		{"skipped reason", worker.Summary{Result: reviewer.Result{Skipped: []reviewer.SkippedFile{{Path: "/a", Reason: hostileText}}}}},
		{"reviewer error", worker.Summary{Result: reviewer.Result{Failed: []reviewer.Failure{{Reviewer: "tool\n# x", Err: errors.New(hostileText)}}}}},
		{"note", worker.Summary{Notes: []string{hostileText}, Result: reviewer.Result{Ran: []string{"rules", "<b>x</b>"}}}},
		{"head", worker.Summary{Head: "`\n# x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := tt.sum.Render()
			require.NoError(t, markdowntest.Check(out, markdown.Policy{}), out)
			for _, f := range tt.sum.Result.Skipped {
				items := strings.Count(out, "\n- ")
				require.Equal(t, len(tt.sum.Result.Skipped), items, "one list item per skipped file (%q)\n%s", f.Path, out)
			}
		})
	}
}

func TestSummaryListsAreBounded(t *testing.T) {
	t.Parallel()
	var skipped []reviewer.SkippedFile
	for i := range 5000 {
		skipped = append(skipped, reviewer.SkippedFile{Path: fmt.Sprintf("/%d/%s", i, strings.Repeat("x", 2000)), Reason: strings.Repeat("r", 5000)})
	}
	out := worker.Summary{Result: reviewer.Result{Skipped: skipped}}.Render()
	require.LessOrEqual(t, len(out), markdown.MaxComment)
	require.Regexp(t, `- and \d+ more files\n$`, out)
	require.NoError(t, markdowntest.Check(out, markdown.Policy{}))
}

func TestRenderFinding(t *testing.T) {
	t.Parallel()
	links := markdown.Policy{AllowedHosts: []string{"docs.example.com"}}
	tests := []struct {
		name      string
		f         reviewer.Finding
		want      []string
		notWanted []string
	}{
		{"rule message keeps its code", reviewer.Finding{Rule: "debug/console-log", Severity: reviewer.SeverityWarning, Message: "Remove `console.log`."},
			[]string{"**Warning** · `debug/console-log`\n\nRemove `console.log`."}, nil},
		{"hostile message", reviewer.Finding{Rule: "llm/x", Severity: reviewer.SeverityError, Message: hostileText}, nil, []string{"@<", "<img", "[a]("}},
		{"allowed link", reviewer.Finding{Rule: "llm/x", Severity: reviewer.SeverityInfo, Message: "See https://docs.example.com/rule."},
			[]string{"<https://docs.example.com/rule>"}, nil},
		{"long message", reviewer.Finding{Rule: "llm/x", Severity: reviewer.SeverityInfo, Message: strings.Repeat("@<ALL> ", 50_000)}, []string{"…"}, nil},
		{"suggestion", reviewer.Finding{Rule: "llm/x", Severity: reviewer.SeverityInfo, Message: "m", Suggestion: "a := \"```\"\n"},
			[]string{"````suggestion\na := \"```\"\n````"}, nil},
		{"suggestion with a mention", reviewer.Finding{Rule: "llm/x", Severity: reviewer.SeverityInfo, Message: "m", Suggestion: "// @<ALL>"},
			[]string{"not shown"}, []string{"suggestion\n"}},
		{"huge suggestion", reviewer.Finding{Rule: "llm/x", Severity: reviewer.SeverityInfo, Message: "m", Suggestion: strings.Repeat("x\n", 100_000)},
			[]string{"not shown"}, []string{"suggestion\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := worker.RenderFinding(tt.f, links)
			require.NoError(t, markdowntest.Check(out, links), out)
			for _, w := range tt.want {
				require.Contains(t, out, w)
			}
			for _, w := range tt.notWanted {
				require.NotContains(t, out, w)
			}
		})
	}
}

// postedComments returns the first comment of every thread of the pull
// request and the number of threads on a file.
func postedComments(t *testing.T, b *bundle) (comments []string, fileThreads int, summary string) {
	t.Helper()
	for _, th := range b.sim.Org.PullRequest(b.req.PullRequestID).Threads() {
		c := *(*th.Comments)[0].Content
		comments = append(comments, c)
		if th.ThreadContext != nil && th.ThreadContext.FilePath != nil {
			fileThreads++
		}
		if azdo.ThreadProperty(th, worker.PropSummary) != "" {
			summary = c
		}
	}
	return comments, fileThreads, summary
}

// TestHostileLLMOutputIsPostedSafe: a model answering 302 findings with
// mentions, images, javascript: links, raw HTML and a 300,025-character
// message (issue 8, hole 7) gets no mention, HTML, image or link posted, no
// comment over the cap, and at most 20 findings from its one answer.
func TestHostileLLMOutputIsPostedSafe(t *testing.T) {
	t.Parallel()
	model := httptest.NewServer(llmtest.Hostile(302, 300_025))
	t.Cleanup(model.Close)
	llm, err := llmreview.New(llmreview.Config{BaseURL: model.URL, Model: "hostile", APIKey: "sk-test"})
	require.NoError(t, err)
	var lines strings.Builder
	for i := range 30 {
		fmt.Fprintf(&lines, "let v%d = %d;\n", i, i)
	}
	b := setupWith(t, map[string]string{"/src/app.js": "let a;\n"}, map[string]string{"/src/app.js": "let a;\n" + lines.String()},
		func(_ *azdo.Config, w *worker.Config) { w.Reviewers = []reviewer.Reviewer{llm} })
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)

	comments, fileThreads, summary := postedComments(t, b)
	for _, c := range comments {
		require.LessOrEqual(t, len(c), markdown.MaxComment)
		require.NoError(t, markdowntest.Check(c, markdown.Policy{}), c)
	}
	require.Equal(t, 20, fileThreads, "findings per answer are capped")
	require.Equal(t, 20, rep.ThreadsPosted)
	require.Contains(t, summary, markdown.Text("282 dropped (over_limit 282)"))
}

// TestThreadsPerReviewCapped: 500 console.log lines (issue 8, hole 8) get
// at most MaxThreads threads (25 by default); the summary counts the rest
// by severity.
func TestThreadsPerReviewCapped(t *testing.T) {
	t.Parallel()
	var lines strings.Builder
	for i := range 500 {
		fmt.Fprintf(&lines, "console.log(%d);\n", i)
	}
	b := setupWith(t, map[string]string{"/src/app.js": "export const a = 1;\n"}, map[string]string{"/src/app.js": "export const a = 1;\n" + lines.String()})
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	_, fileThreads, summary := postedComments(t, b)
	require.Equal(t, 25, fileThreads)
	require.Equal(t, 25, rep.ThreadsPosted)
	require.Contains(t, summary, "475 more findings not posted")
	require.Contains(t, summary, ": 475 warnings.")
}

// TestThreadCapPostsTheMostSevereFirst: errors get threads before warnings,
// and a later review keeps the threads already posted within the cap.
func TestThreadCapPostsTheMostSevereFirst(t *testing.T) {
	t.Parallel()
	head := "console.log(1);\nconsole.log(2);\nconsole.log(3);\nconst k = \"AKIAQ7N3WXYZ4R2MPLKD\";\nconsole.log(4);\nconst j = \"AKIAZZ6KQ2M4X7WVBNCE\";\n"
	b := setupWith(t, map[string]string{"/src/app.js": "\n"}, map[string]string{"/src/app.js": "\n" + head},
		func(_ *azdo.Config, w *worker.Config) { w.MaxThreads = 3 })
	rep, err := b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 3, rep.ThreadsPosted)
	var rules []string
	for _, th := range b.sim.Org.PullRequest(b.req.PullRequestID).Threads() {
		if r := azdo.ThreadProperty(th, worker.PropRule); r != "" {
			rules = append(rules, r)
		}
	}
	require.ElementsMatch(t, []string{"secret/aws-access-token", "secret/aws-access-token", "debug/console-log"}, rules)
	_, _, summary := postedComments(t, b)
	require.Contains(t, summary, "**3 more findings not posted** (at most 3 threads per review, the most severe first): 3 warnings.")

	// Reviewed again (a worker without coordination reviews every request
	// in full), nothing more is posted: the three threads fill the cap.
	rep, err = b.worker.Review(context.Background(), b.req)
	require.NoError(t, err)
	require.Equal(t, 0, rep.ThreadsPosted)
	require.Equal(t, 3, rep.AlreadyPosted)
}
