package reviewer_test

import (
	"context"
	"testing"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// fuzzPaths are the files FuzzRules diffs: each language the code rules
// lex, a test file, and files the path classes keep quiet.
var fuzzPaths = []string{"/src/a.js", "/src/a.test.ts", "/pkg/a.go", "/pkg/a_test.go", "/app/a.py", "/tests/test_a.py", "/docs/a.md", "/vendor/x/a.go", "/src/a.rs", "/deploy/a.yaml"}

// FuzzRules diffs arbitrary pairs of files and runs the built-in rules on
// them: no panic, and no finding on a line that is not an added line (Run
// would drop it: Dropped stays 0), whatever comments, strings and conflict
// markers the files hold and wherever the hunks start.
func FuzzRules(f *testing.F) {
	f.Add(uint8(0), "/*\na\nb\nc\nd\ne\n*/\n", "/*\na\nb\nconsole.log(1)\nd\ne\n*/\nconsole.log(2)\n")
	f.Add(uint8(1), "", "it.only(\"x\", () => {});\nconst s = `\nit.only(\"y\")\n`;\n")
	f.Add(uint8(2), "package a\n", "package a\n<<<<<<< HEAD\nx\n=======\ny\n>>>>>>> b\n")
	f.Add(uint8(4), "def f():\n    \"\"\"d\n    \"\"\"\n", "def f():\n    \"\"\"d\n    print(1)\n    \"\"\"\n    print(2)\n")
	f.Add(uint8(9), "a: 1\nb: 2\n", "<<<<<<< HEAD\na: 1\n=======\na: 3\n>>>>>>> x\nb: 2\n")
	f.Fuzz(func(t *testing.T, which uint8, oldText, newText string) {
		path := fuzzPaths[int(which)%len(fuzzPaths)]
		pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
			reviewer.Diff(path, "", reviewer.ChangeEdit, []byte(oldText), []byte(newText), reviewer.DiffOptions{}),
		}}
		res := reviewer.Run(context.Background(), pr, reviewer.Rules())
		if err := res.Err(); err != nil {
			t.Fatal(err)
		}
		if res.Dropped != 0 {
			t.Fatalf("%d findings on lines that are not added lines", res.Dropped)
		}
	})
}
