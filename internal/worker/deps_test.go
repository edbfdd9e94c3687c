package worker_test

import (
	"os/exec"
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
