package apptest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
)

// Sources returns a base and a head tree of JavaScript files under /src/
// whose head adds findings lines that the built-in rules flag
// (debug/console-log), each with distinct content, hence a distinct
// fingerprint, spread over files files. label goes into every file, so
// pull requests with different labels have different commits.
func Sources(label string, files, findings int) (base, head map[string]string) {
	base, head = map[string]string{}, map[string]string{}
	for f := range files {
		path := fmt.Sprintf("/src/module%d.js", f)
		base[path] = fmt.Sprintf("// %s\nexport const value%d = %d;\n", label, f, f)
		head[path] = base[path]
	}
	for i := range findings {
		path := fmt.Sprintf("/src/module%d.js", i%files)
		head[path] += fmt.Sprintf("console.log(\"finding %d in %s\");\n", i, path)
	}
	return base, head
}

// Revise returns tree changed by push number push: a new finding in one
// file and, every other push, a finding removed from another (so that
// incremental reviews both post and resolve).
func Revise(tree map[string]string, push int) map[string]string {
	out := maps.Clone(tree)
	paths := make([]string, 0, len(out))
	for p := range out {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	if len(paths) == 0 {
		out["/src/module0.js"] = ""
		paths = []string{"/src/module0.js"}
	}
	target := paths[push%len(paths)]
	out[target] += fmt.Sprintf("console.log(\"added by push %d\");\n", push)
	if push%2 == 0 && len(paths) > 1 {
		other := paths[(push+1)%len(paths)]
		lines := strings.SplitAfter(out[other], "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "console.log(") {
				out[other] = strings.Join(append(lines[:i:i], lines[i+1:]...), "")
				break
			}
		}
	}
	return out
}

// WaitCensus returns the census of pr's threads once ok accepts it, waiting
// for new threads in between (no polling), or an error when ctx ends first.
func WaitCensus(ctx context.Context, pr *azdosim.PullRequest, ok func(Census) bool) (Census, error) {
	threads, err := pr.WaitThreadsMatch(ctx, func(ts []git.GitPullRequestCommentThread) bool { return ok(CensusOf(ts)) })
	return CensusOf(threads), err
}
