package worker_test

import (
	"testing"

	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/markdown/markdowntest"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// FuzzRenderAnswer renders arbitrary model text as an answer or a
// description and checks it with markdowntest.Check: no live mention, raw
// HTML, image, link to a host not allowed, broken structure or fence,
// nothing over the cap.
func FuzzRenderAnswer(f *testing.F) {
	f.Add("Answer", hostileText, true)
	f.Add("Description of the change (iteration 3)", "Adds a thing.\n\n- one\n- two `code`\n\n```go\nx\n```", false)
	f.Add("`x", "- @<ALL>\n- [a](https://docs.example.com/a)\n# h\n<details>", false)
	links := markdown.Policy{AllowedHosts: []string{"docs.example.com"}}
	f.Fuzz(func(t *testing.T, title, text string, partial bool) {
		out := worker.RenderAnswer(title, reviewer.Answer{Text: text, Partial: partial}, links)
		if err := markdowntest.Check(out, links); err != nil {
			t.Fatalf("answer:\n%s\n%v", out, err)
		}
	})
}
