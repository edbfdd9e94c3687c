package worker_test

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoModelSDK: the worker reaches reviewers through the reviewer
// package's interfaces only; it links no model SDK (the LLM reviewer's
// openai-go), which stays with the wiring that builds the LLM reviewer.
func TestNoModelSDK(t *testing.T) {
	t.Parallel()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/openai/") || strings.HasSuffix(pkg, "/internal/llmreview") {
			t.Errorf("the worker links %s", pkg)
		}
	}
}

// TestNoSDKTypesAtTheSeam: the worker and its tests speak azdo's own
// types; no file of theirs imports the Azure DevOps SDK, which stays behind
// package azdo.
func TestNoSDKTypesAtTheSeam(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	for _, name := range files {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, imp := range f.Imports {
			if strings.Contains(imp.Path.Value, "github.com/microsoft/azure-devops-go-api") {
				t.Errorf("%s imports %s", name, imp.Path.Value)
			}
		}
	}
}
