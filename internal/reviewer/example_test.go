package reviewer_test

import (
	"context"
	"fmt"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Diff a file's two versions, run the built-in rules over the pull request
// and print the findings Run anchored to added lines.
func ExampleRun() {
	before := []byte("export function total(items) {\n  return items.length;\n}\n")
	after := []byte("export function total(items) {\n  console.log(items);\n  return items.length;\n}\n")
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
		reviewer.Diff("/src/cart.js", "", reviewer.ChangeEdit, before, after, reviewer.DiffOptions{}),
	}}
	res := reviewer.Run(context.Background(), pr, reviewer.Rules())
	for _, f := range res.Findings {
		fmt.Printf("%s:%d %s %s\n", f.Path, f.StartLine, f.Rule, f.Severity)
	}
	// Output:
	// /src/cart.js:2 debug/console-log warning
}
