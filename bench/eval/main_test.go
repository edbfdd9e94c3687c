package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
	"github.com/stretchr/testify/require"
)

const corpusDir = "testdata/cases"

// TestCorpus checks that every case parses and is consistent (its expected
// and quiet lines exist in the head files and hold their text), and that
// the corpus covers what issue 9 asks of it. It does not judge the
// reviewers' precision.
func TestCorpus(t *testing.T) {
	cases, err := loadCorpus(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	whats := map[string]map[string]bool{}
	var quiet []string
	for _, c := range cases {
		if err := c.check(); err != nil {
			t.Error(err)
		}
		for _, e := range c.Expect {
			k := kindOf(e.Kind)
			if whats[k] == nil {
				whats[k] = map[string]bool{}
			}
			whats[k][e.What] = true
		}
		for _, q := range c.Quiet {
			line, _ := c.headLine(q.Path, q.Line)
			quiet = append(quiet, q.Path+": "+line)
		}
	}
	for kind, least := range map[string]int{"secret": 10, "bug": 10, "conflict": 1, "debug": 4, "test": 2, "custom": 1} {
		if n := len(whats[kind]); n < least {
			t.Errorf("%d different %s problems, want at least %d", n, kind, least)
		}
	}
	for _, shape := range []string{
		"token: 'unicorn'", "url.password = 'world'", "form: {secret: 'data'}",
		"credential: 'username' | 'password'", "readme.md: console.log", "types.ts: console.log",
		"${", "changeme",
	} {
		if !slices.ContainsFunc(quiet, func(l string) bool { return strings.Contains(l, shape) }) {
			t.Errorf("no quiet line holds %q", shape)
		}
	}
}

// TestCheck checks that a case's inconsistencies are reported.
func TestCheck(t *testing.T) {
	head := map[string][]byte{"a.js": []byte("let a = 1;\nconsole.log(a);\n")}
	tests := []struct {
		name    string
		expect  []Expected
		quiet   []Quiet
		wantErr string
	}{
		{name: "consistent", expect: []Expected{{Path: "a.js", Line: 2, Kind: "debug", Text: "console.log"}}, quiet: []Quiet{{Path: "a.js", Line: 1, Text: "let"}}},
		{name: "line past the end", expect: []Expected{{Path: "a.js", Line: 3, Kind: "debug", Text: "x"}}, wantErr: "a.js:3: no such head line"},
		{name: "unknown file", quiet: []Quiet{{Path: "b.js", Line: 1, Text: "x"}}, wantErr: "b.js:1: no such head line"},
		{name: "text not on the line", expect: []Expected{{Path: "a.js", Line: 1, Kind: "debug", Text: "console"}}, wantErr: "not on the line"},
		{name: "no kind", expect: []Expected{{Path: "a.js", Line: 2, Text: "console"}}, wantErr: "no kind"},
		{name: "both", expect: []Expected{{Path: "a.js", Line: 2, Kind: "debug", Text: "console"}}, quiet: []Quiet{{Path: "a.js", Line: 2, Text: "console"}}, wantErr: "also expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Case{Name: "c", Head: head, caseFile: caseFile{Expect: tt.expect, Quiet: tt.quiet}}
			err := c.check()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("check() = %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	for rule, want := range map[string]string{
		"secret/aws-access-key": "secret", "conflict/marker": "conflict", "debug/console-log": "debug",
		"test/focused": "test", "custom/no-todo": "custom", "llm/security": "bug", "secret": "secret",
		"analyzer/eslint/no-undef": "analyzer/eslint/no-undef",
	} {
		if got := kindOf(rule); got != want {
			t.Errorf("kindOf(%q) = %q, want %q", rule, got, want)
		}
	}
}

// TestJudge checks the matching on a hand-made case.
func TestJudge(t *testing.T) {
	c := &Case{Name: "c", caseFile: caseFile{
		Expect: []Expected{
			{Path: "a.go", Line: 3, Kind: "secret", What: "key"},
			{Path: "a.go", Line: 5, Kind: "debug/go-print", What: "print"},
			{Path: "a.go", Line: 7, Kind: "bug", What: "off-by-one"},
			{Path: "a.go", Line: 9, Kind: "test", What: "skip"},
		},
		Quiet: []Quiet{{Path: "a.go", Line: 4, Why: "placeholder"}},
	}}
	f := func(rule string, from, to int) reviewer.Finding {
		return reviewer.Finding{Path: "/a.go", StartLine: from, EndLine: to, Rule: rule}
	}
	got := judge(c, map[string][]reviewer.Finding{
		"secrets": {
			f("secret/generic-api-key", 2, 3),  // covers line 3: TP
			f("secret/aws-access-token", 3, 0), // the same problem again
			f("secret/generic-api-key", 4, 0),  // on the quiet line
		},
		"rules": {
			f("debug/go-builtin-print", 5, 0), // wrong rule id
			f("debug/go-print", 5, 0),         // TP by rule id
			f("conflict/marker", 6, 6),        // unexpected
		},
		"llm": {
			f("llm/bug", 6, 8),      // TP whatever its category
			f("llm/security", 3, 3), // on a secret: not scored
			f("llm/style", 1, 1),    // unexpected
		},
	})
	type row struct {
		rev, verdict, kind string
		line               int
		why                string
	}
	var rows []row
	for _, o := range got {
		rows = append(rows, row{o.Reviewer, o.Verdict, o.Kind, o.Line, o.Why})
	}
	want := []row{
		{"secrets", "TP", "secret", 3, "key"},
		{"secrets", "FP", "secret", 3, "duplicate"},
		{"secrets", "FP", "secret", 4, "quiet line: placeholder"},
		{"rules", "FP", "debug", 5, "unexpected"},
		{"rules", "TP", "debug", 5, "print"},
		{"rules", "FP", "conflict", 6, "unexpected"},
		{"llm", "TP", "bug", 7, "off-by-one"},
		{"llm", "FP", "bug", 1, "unexpected"},
		{"rules", "FN", "test", 9, "skip"},
	}
	sortRows := func(rs []row) {
		slices.SortFunc(rs, func(a, b row) int { return strings.Compare(a.rev+a.verdict+a.why, b.rev+b.verdict+b.why) })
	}
	sortRows(rows)
	sortRows(want)
	if !slices.Equal(rows, want) {
		t.Errorf("judge:\n got %v\nwant %v", rows, want)
	}

	// Without the LLM, its bugs are not false negatives.
	for _, o := range judge(c, map[string][]reviewer.Finding{"rules": nil}) {
		if o.Reviewer != "rules" {
			t.Errorf("outcome for %s, which did not run: %+v", o.Reviewer, o)
		}
	}
}

// TestReviewHandMade runs the real rules on a hand-made pull request.
func TestReviewHandMade(t *testing.T) {
	c := &Case{
		Name:   "hand-made",
		Config: repoconfig.Defaults(),
		Base:   map[string][]byte{"src/a.js": []byte("let a = 1;\n")},
		Head:   map[string][]byte{"src/a.js": []byte("let a = 1;\nconsole.log(a);\n// console.log(a);\n")},
		caseFile: caseFile{
			Expect: []Expected{{Path: "src/a.js", Line: 2, Kind: "debug", What: "console-log", Text: "console.log"}},
			Quiet:  []Quiet{{Path: "src/a.js", Line: 3, Why: "comment", Text: "//"}},
		},
	}
	res, err := review(context.Background(), c, suite{secrets: secrets.MustNew()})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.outcomes) != 1 || res.outcomes[0].Verdict != "TP" || res.outcomes[0].Line != 2 {
		t.Fatalf("outcomes = %+v, want one TP on line 2", res.outcomes)
	}
}

// TestRun runs the whole corpus with the deterministic reviewers, as `go
// run ./bench/eval` does without a model, and checks the report's shape.
func TestRun(t *testing.T) {
	noLLM(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-corpus", corpusDir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"no model configured", "precision", "comments per pull request", "false positives", "false negatives"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"-corpus", corpusDir, "-case", "no-such-case"}, &out); err == nil {
		t.Error("-case no-such-case: no error")
	}
}

// TestRunWithLLM runs one case with the LLM reviewer configured from the
// environment as the worker does, against a local OpenAI-compatible server
// that reports the off-by-one bug of bugs-go, and checks that the LLM is
// scored: one bug found, the others missed.
func TestRunWithLLM(t *testing.T) {
	c, err := loadCase(corpusDir + "/bugs-go")
	if err != nil {
		t.Fatal(err)
	}
	line := 0
	for _, e := range c.Expect {
		if e.What == "off-by-one" {
			line = e.Line
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat/completions", func(w http.ResponseWriter, r *http.Request) {
		findings, _ := json.Marshal(map[string]any{"findings": []any{map[string]any{
			"path": "/internal/invoice/store.go", "start_line": line, "end_line": line, "severity": "error",
			"category": "bug", "message": "The loop reads one element past the end.", "replacement": "",
		}}})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": string(findings), "refusal": nil}}},
			"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
		})
	})
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	t.Setenv("LLM_BASE_URL", srv.URL)
	t.Setenv("LLM_MODEL", "test-model")

	var out bytes.Buffer
	if err := run(context.Background(), []string{"-corpus", corpusDir, "-case", "bugs-go"}, &out); err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?m)^\s*llm\s+bug\s+1\s+0\s+6\s+1\.00\s+0\.14\s*$`)
	if !row.MatchString(out.String()) {
		t.Errorf("no llm bug row with 1 TP, 0 FP, 6 FN:\n%s", out.String())
	}
}

// TestRunWithLLMContext: the report scores the LLM with and without the
// context a worker adds. The case's bug needs a line of the file that is
// outside the diff's own context and inside the head-file window; the test
// model finds the bug only when its prompt shows that line.
func TestRunWithLLMContext(t *testing.T) {
	dir := t.TempDir()
	var base, head strings.Builder
	for i := 1; i <= 40; i++ {
		switch i {
		case 20:
			base.WriteString("const LIMIT = 10; // items per page\n")
			head.WriteString("const LIMIT = 10; // items per page\n")
		case 30:
			base.WriteString("const page = items.slice(0, LIMIT);\n")
			head.WriteString("const page = items.slice(0, LIMIT + 1);\n")
		default:
			fmt.Fprintf(&base, "const v%d = %d;\n", i, i)
			fmt.Fprintf(&head, "const v%d = %d;\n", i, i)
		}
	}
	for name, text := range map[string]string{
		"case.yaml": "title: \"Paging\"\ndescription: \"One page of items.\"\nexpect:\n" +
			"  - {path: \"src/page.js\", line: 30, kind: \"bug\", what: \"off-by-one\", text: \"LIMIT + 1\"}\n",
		"base/src/page.js": base.String(),
		"head/src/page.js": head.String(),
		"base/AGENTS.md":   "Pages hold exactly LIMIT items.\n",
		"head/AGENTS.md":   "Pages hold exactly LIMIT items.\n",
	} {
		p := filepath.Join(dir, "paging", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var prompts []string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		user := ""
		if len(req.Messages) == 2 {
			user = req.Messages[1].Content
		}
		mu.Lock()
		prompts = append(prompts, user)
		mu.Unlock()
		found := []any{}
		if strings.Contains(user, "| const LIMIT = 10;") {
			found = append(found, map[string]any{
				"path": "/src/page.js", "start_line": 30, "end_line": 30, "severity": "error",
				"category": "bug", "message": "The page holds one item more than LIMIT.", "replacement": "",
			})
		}
		findings, _ := json.Marshal(map[string]any{"findings": found})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-test", "object": "chat.completion", "created": 1, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": string(findings), "refusal": nil}}},
			"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
		})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Setenv("LLM_BASE_URL", srv.URL)
	t.Setenv("LLM_MODEL", "test-model")

	var out bytes.Buffer
	if err := run(context.Background(), []string{"-corpus", dir}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s*llm\s+bug\s+0\s+0\s+1\s+-\s+0\.00\s*$`),
		regexp.MustCompile(`(?m)^\s*llm\+context\s+bug\s+1\s+0\s+0\s+1\.00\s+1\.00\s*$`),
		regexp.MustCompile(`(?m)^LLM with and without context: precision - → 1\.00, recall 0\.00 → 1\.00`),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("report lacks %s:\n%s", want, out.String())
		}
	}
	if len(prompts) != 2 {
		t.Fatalf("%d requests, want 2 (without and with context)", len(prompts))
	}
	with := prompts[0]
	if !strings.Contains(with, "Pages hold exactly LIMIT items.") {
		with = prompts[1]
	}
	if !strings.Contains(with, "from AGENTS.md on the target branch") {
		t.Errorf("the run with context lacks the guidance:\n%s", with)
	}
}

// TestReviewRange reviews a change between two commits of a git repository
// made here, and counts its findings by rule and severity.
func TestReviewRange(t *testing.T) {
	noLLM(t)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	write := func(name, content string) {
		t.Helper()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	gitIn("init", "-q")
	write("src/app.js", "export const a = 1;\n")
	write("src/old.js", "export const b = 2;\n")
	gitIn("add", "-A")
	gitIn("commit", "-q", "-m", "base")
	gitIn("tag", "base")
	write("src/app.js", "export const a = 1;\nconsole.log(a);\n")
	write("test/app.test.js", "it.only(\"adds\", () => {});\n")
	require.NoError(t, os.Rename(filepath.Join(dir, "src/old.js"), filepath.Join(dir, "src/renamed.js")))
	gitIn("add", "-A")
	gitIn("commit", "-q", "-m", "head")

	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-git", dir, "-range", "base..HEAD", "-v"}, &out))
	got := out.String()
	for _, want := range []string{
		"3 files, 2 added lines",
		"debug/console-log                        warning  1",
		"test/focused                             error    1",
		"all                                               2 (1 at error: the status would fail)",
		"  /src/app.js:2 debug/console-log warning",
	} {
		require.Contains(t, got, want)
	}
	require.Error(t, run(context.Background(), []string{"-git", dir, "-range", "base"}, &out))
}

// noLLM clears every LLM setting of the environment for the test, so the
// deterministic reviewers run alone whatever the developer's environment.
func noLLM(t *testing.T) {
	fs := flag.NewFlagSet("llm", flag.ContinueOnError)
	app.RegisterLLM(fs)
	fs.VisitAll(func(f *flag.Flag) { t.Setenv(app.EnvName(f.Name), "") })
}
