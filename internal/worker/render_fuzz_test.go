package worker_test

import (
	"errors"
	"testing"

	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/markdown/markdowntest"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// FuzzRenderComments fills a finding's comment and the summary with
// arbitrary reviewer text — rule, message, suggestion, path, skip reason,
// reviewer error, note — and checks both comments with markdowntest.Check:
// no live mention, raw HTML, image, link to a host not allowed, broken
// structure or fence, nothing over the cap.
func FuzzRenderComments(f *testing.F) {
	f.Add("llm/x", hostileText, "x := 1\n", "/a`b\n# c", "binary")
	f.Add("debug/console-log", "Remove `console.log`.", "", "/src/app.js", "more than 300 changed files")
	f.Add("@<ALL>", "see https://docs.example.com/a and https://evil.example", "````\n~~~", "``", "<b>")
	links := markdown.Policy{AllowedHosts: []string{"docs.example.com"}}
	f.Fuzz(func(t *testing.T, rule, message, suggestion, path, reason string) {
		fc := worker.RenderFinding(reviewer.Finding{Rule: rule, Severity: reviewer.SeverityError, Message: message, Suggestion: suggestion, Path: path}, links)
		if err := markdowntest.Check(fc, links); err != nil {
			t.Fatalf("finding comment:\n%s\n%v", fc, err)
		}
		sum := worker.Summary{
			Head: path, Notes: []string{message}, Links: links,
			Result: reviewer.Result{
				Findings: []reviewer.Finding{{Rule: rule, Severity: reviewer.Severity(reason)}},
				Ran:      []string{rule},
				Failed:   []reviewer.Failure{{Reviewer: rule, Err: errors.New(message)}},
				Skipped:  []reviewer.SkippedFile{{Path: path, Reason: reason}, {Path: suggestion, Reason: message}},
			},
			NotPosted: map[reviewer.Severity]int{reviewer.SeverityWarning: 3}, MaxThreads: 25,
		}
		sc := sum.Render()
		if err := markdowntest.Check(sc, links); err != nil {
			t.Fatalf("summary:\n%s\n%v", sc, err)
		}
	})
}
