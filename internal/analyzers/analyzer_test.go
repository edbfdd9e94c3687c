package analyzers_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// fakeFiles serves head versions from a map and records what was asked.
type fakeFiles struct {
	head map[string]string
	err  error

	mu    sync.Mutex
	asked []string
}

func (f *fakeFiles) Head(_ context.Context, path string) ([]byte, bool, error) {
	f.mu.Lock()
	f.asked = append(f.asked, path)
	f.mu.Unlock()
	if f.err != nil {
		return nil, false, f.err
	}
	s, ok := f.head[path]
	return []byte(s), ok, nil
}

const (
	oldA = "package a\n\nfunc A() {}\nfunc B() {}\n"
	newA = "package a\n\nfunc A() {}\nfunc C() {}\nfunc B() {}\n" // line 4 added
	doc  = "# Title\ntext\n"
)

// testPR returns a pull request editing /src/a.go (line 4 added), adding
// "/docs/read me.md", deleting /old.go and adding a binary file, with the
// matching head versions.
func testPR() (*reviewer.PullRequest, *fakeFiles) {
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
		reviewer.Diff("/src/a.go", "", reviewer.ChangeEdit, []byte(oldA), []byte(newA), reviewer.DiffOptions{}),
		reviewer.Diff("/docs/read me.md", "", reviewer.ChangeAdd, nil, []byte(doc), reviewer.DiffOptions{}),
		reviewer.Diff("/old.go", "", reviewer.ChangeDelete, []byte("package old\n"), nil, reviewer.DiffOptions{}),
		reviewer.Diff("/img.png", "", reviewer.ChangeAdd, nil, []byte("\x89PNG\x00\x01"), reviewer.DiffOptions{}),
	}}
	files := &fakeFiles{head: map[string]string{
		"/src/a.go":        newA,
		"/docs/read me.md": doc,
		"/img.png":         "\x89PNG\x00\x01",
	}}
	return pr, files
}

// fixture returns the path of the copy of testdata/name a tool can read.
func fixture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(testDir, name)
	_, err := os.Stat(p)
	require.NoError(t, err)
	return p
}

func TestReviewParsesSARIF(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{
		Name:    "lint",
		Command: []string{fakeTool, "-cat", fixture(t, "basic.sarif")},
	}, files)
	require.Equal(t, "analyzer/lint", r.Name())

	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err)
	require.Equal(t, []reviewer.Finding{
		{Path: "/src/a.go", StartLine: 4, EndLine: 4, Rule: "lint/errcheck", Severity: reviewer.SeverityError, Message: "Error return value is not checked"},
		{Path: "/src/a.go", StartLine: 3, EndLine: 3, Rule: "lint/unused", Severity: reviewer.SeverityWarning, Message: "func A is unused"},
		{Path: "/docs/read me.md", StartLine: 1, EndLine: 2, Rule: "lint/md-lines", Severity: reviewer.SeverityInfo, Message: "two lines"},
	}, got, "the result on other/b.go is dropped")
	// Deleted and binary files are never fetched.
	require.ElementsMatch(t, []string{"/src/a.go", "/docs/read me.md"}, files.asked)
}

func TestReviewThroughRunDropsContextLines(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	rs := analyzers.New([]analyzers.Analyzer{
		{Name: "lint", Command: []string{fakeTool, "-cat", fixture(t, "basic.sarif"), "-exit", "1"}, Users: testUsers},
		{Name: "broken", Command: []string{fakeTool, "-garbage", "-exit", "2", "-stderr", "config file not found"}, Users: testUsers},
	}, files)
	res := reviewer.Run(t.Context(), pr, rs...)

	require.Equal(t, []string{"analyzer/lint"}, res.Ran, "exit 1 with valid SARIF is a success")
	require.Len(t, res.Failed, 1)
	require.Equal(t, "analyzer/broken", res.Failed[0].Reviewer)
	require.ErrorContains(t, res.Failed[0].Err, "broken: exit status 2")
	require.ErrorContains(t, res.Failed[0].Err, "config file not found")
	require.Equal(t, 1, res.Dropped, "the result on context line 3 is dropped by Run")
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.Path+":"+f.Rule)
	}
	require.Equal(t, []string{"/docs/read me.md:lint/md-lines", "/src/a.go:lint/errcheck"}, got)
}

func TestReviewFileURIsAndAppendFiles(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{
		Name:        "abs",
		Command:     []string{fakeTool, "-fileuris"},
		AppendFiles: true,
	}, files)
	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err)
	require.Equal(t, []reviewer.Finding{
		{Path: "/src/a.go", StartLine: 1, EndLine: 1, Rule: "abs/abs", Severity: reviewer.SeverityWarning, Message: "seen ./src/a.go"},
		{Path: "/docs/read me.md", StartLine: 1, EndLine: 1, Rule: "abs/abs", Severity: reviewer.SeverityWarning, Message: "seen ./docs/read me.md"},
	}, got)
}

func TestReviewRemovesTree(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{Name: "pwd", Command: []string{fakeTool, "-pwd", "src/a.go"}}, files)
	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err)
	require.Len(t, got, 1)
	dir := got[0].Message
	require.True(t, filepath.IsAbs(dir), dir)
	_, err = os.Stat(dir)
	require.ErrorIs(t, err, fs.ErrNotExist, "the temporary tree is removed")
}

func TestReviewPathsFilter(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{
		Name:        "go",
		Command:     []string{fakeTool, "-fileuris"},
		AppendFiles: true,
		Paths:       []string{".go"},
	}, files)
	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "/src/a.go", got[0].Path)
	require.Equal(t, []string{"/src/a.go"}, files.asked)

	// Nothing matching: the tool is not run at all.
	r = newReviewer(analyzers.Analyzer{Name: "none", Command: []string{"/does/not/exist"}, Paths: []string{".rs"}}, files)
	got, err = r.Review(t.Context(), pr)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestReviewEnvironmentHasNoSecrets(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{
		Name:    "env",
		Command: []string{fakeTool, "-env", "src/a.go"},
		Env:     []string{"EXTRA=1"},
	}, files)
	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err)
	var keys []string
	for _, f := range got {
		require.NotContains(t, f.Message, "very-secret-token")
		keys = append(keys, strings.SplitN(f.Message, "=", 2)[0])
	}
	require.NotContains(t, keys, secretEnv)
	require.Contains(t, keys, "PATH")
	require.Contains(t, keys, "EXTRA")
	for _, k := range keys {
		require.True(t, slices.Contains([]string{"PATH", "HOME", "TMPDIR", "EXTRA"}, k), "unexpected variable %s", k)
	}
}

func TestReviewNonZeroExitWithoutSARIF(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	long := strings.Repeat("noise ", 2000) + "the real reason"
	r := newReviewer(analyzers.Analyzer{
		Name:    "bad",
		Command: []string{fakeTool, "-garbage", "-exit", "2", "-stderr", long},
	}, files)
	_, err := r.Review(t.Context(), pr)
	require.ErrorContains(t, err, "bad: exit status 2 without valid SARIF output")
	require.ErrorContains(t, err, "the real reason")
	require.Less(t, len(err.Error()), 2<<10, "only the tail of stderr is kept")
}

func TestReviewZeroExitWithoutSARIF(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{Name: "bad", Command: []string{fakeTool, "-garbage"}}, files)
	_, err := r.Review(t.Context(), pr)
	require.ErrorContains(t, err, "bad: invalid SARIF")
}

func TestReviewTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{
		Name:    "slow",
		Command: []string{fakeTool, "-sleep", "30s", "-child"},
		Timeout: 300 * time.Millisecond,
	}, files)
	start := time.Now()
	_, err := r.Review(t.Context(), pr)
	require.ErrorContains(t, err, "slow: timeout after 300ms")
	// The child holds stdout open: without killing the group, Wait would
	// wait for its WaitDelay (5s).
	require.Less(t, time.Since(start), 4*time.Second)
}

func TestReviewOutputTooLarge(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{
		Name:           "chatty",
		Command:        []string{fakeTool, "-spam", "100000"},
		MaxOutputBytes: 1000,
	}, files)
	_, err := r.Review(t.Context(), pr)
	require.ErrorContains(t, err, "chatty: output larger than 1000 bytes")
}

func TestReviewCanceledContext(t *testing.T) {
	t.Parallel()
	pr, files := testPR()
	r := newReviewer(analyzers.Analyzer{Name: "slow", Command: []string{fakeTool, "-sleep", "30s"}}, files)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := r.Review(ctx, pr)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestReviewErrors(t *testing.T) {
	t.Parallel()
	pr, files := testPR()

	_, err := newReviewer(analyzers.Analyzer{Command: []string{fakeTool}}, files).Review(t.Context(), pr)
	require.ErrorContains(t, err, "no name")
	_, err = newReviewer(analyzers.Analyzer{Name: "x"}, files).Review(t.Context(), pr)
	require.ErrorContains(t, err, "no command")
	_, err = newReviewer(analyzers.Analyzer{Name: "x", Command: []string{"/does/not/exist"}}, files).Review(t.Context(), pr)
	require.ErrorContains(t, err, "x: ")

	failing := &fakeFiles{err: errors.New("azdo down")}
	_, err = newReviewer(analyzers.Analyzer{Name: "x", Command: []string{fakeTool}}, failing).Review(t.Context(), pr)
	require.ErrorContains(t, err, "azdo down")
	if os.Geteuid() == 0 {
		_, err = analyzers.NewReviewer(analyzers.Analyzer{Name: "x", Command: []string{fakeTool}}, files).Review(t.Context(), pr)
		require.ErrorContains(t, err, "no user ids", "a root worker runs no tool without a pool of ids")
	}
}

// added returns an added file's diff.
func added(path, content string) reviewer.FileDiff {
	return reviewer.Diff(path, "", reviewer.ChangeAdd, nil, []byte(content), reviewer.DiffOptions{})
}

func TestAppendFilesAreNeverOptions(t *testing.T) {
	t.Parallel()
	names := []string{"/--output=pwned.txt", "/-h", "/@args", "/src/a.go"}
	pr := &reviewer.PullRequest{}
	files := &fakeFiles{head: map[string]string{}}
	for _, n := range names {
		pr.Files = append(pr.Files, added(n, "x\n"))
		files.head[n] = "x\n"
	}
	r := newReviewer(analyzers.Analyzer{Name: "args", Command: []string{fakeTool, "-fileuris"}, AppendFiles: true}, files)
	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err, "a file name set no option of the tool")
	var seen []string
	for _, f := range got {
		require.NotEqual(t, "args/output", f.Rule, "a file name became an option: %s", f.Message)
		seen = append(seen, f.Path+" "+f.Message)
	}
	require.Equal(t, []string{
		"/--output=pwned.txt seen ./--output=pwned.txt",
		"/-h seen ./-h",
		"/@args seen ./@args",
		"/src/a.go seen ./src/a.go",
	}, seen)
}

func TestOddPathsAreSkippedNotFatal(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("n", 300) + ".go"
	deep := strings.Repeat(strings.Repeat("d", 200)+"/", 6) + "x.go"
	good := []string{"/src/a.go", "/src/b`tick.go", "/docs/read me.md"}
	odd := map[string]string{
		"/src/a\\b.go":    "contains a backslash",
		"/" + long:        "has a name longer than 255 bytes",
		"/" + deep:        "longer than 1024 bytes",
		"/nul\x00.go":     "contains a control character",
		"/new\nline.go":   "contains a control character",
		"/tab\t.go":       "contains a control character",
		"/b`q\r.go":       "contains a control character",
		"/../escape.go":   `has an empty, "." or ".." component`,
		"/a/../../b.go":   `has an empty, "." or ".." component`,
		"/a//b.go":        `has an empty, "." or ".." component`,
		"//etc/passwd":    `has an empty, "." or ".." component`,
		"/./a.go":         `has an empty, "." or ".." component`,
		"/":               "empty path",
		"/bad\xffutf8.go": "not valid UTF-8",
	}
	pr := &reviewer.PullRequest{}
	files := &fakeFiles{head: map[string]string{}}
	// The odd paths come first and between the good ones.
	var order []string
	for p := range odd {
		order = append(order, p)
	}
	slices.Sort(order)
	order = append(order[:3], append(good, order[3:]...)...)
	for _, p := range order {
		pr.Files = append(pr.Files, added(p, "x\n"))
		files.head[p] = "x\n"
	}
	// A path the checks let through that the file system refuses: a file
	// where another needs a directory.
	pr.Files = append(pr.Files, added("/src/a.go/inner.go", "x\n"))
	files.head["/src/a.go/inner.go"] = "x\n"

	r := newReviewer(analyzers.Analyzer{Name: "odd", Command: []string{fakeTool, "-fileuris"}, AppendFiles: true}, files)
	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err, "odd paths do not fail the analyzer")
	var analyzed []string
	for _, f := range got {
		analyzed = append(analyzed, f.Path)
	}
	require.ElementsMatch(t, good, analyzed, "the rest of the pull request is analyzed")

	skipped := r.(interface {
		Skipped() []analyzers.SkippedPath
	}).Skipped()
	want := map[string]string{"/src/a.go/inner.go": "the file system refused its name"}
	for p, reason := range odd {
		want[p] = reason
	}
	gotSkipped := map[string]string{}
	for _, s := range skipped {
		gotSkipped[s.Path] = s.Reason
	}
	require.Equal(t, want, gotSkipped)
	unjudged := map[string]string{}
	for _, u := range r.(reviewer.Partial).Unjudged() {
		unjudged[u.Path] = u.Rules
	}
	require.Len(t, unjudged, len(want), "every path not given is unjudged, with the analyzer's rules")
	for p := range want {
		require.Equal(t, "odd", unjudged[p], p)
	}

	note := r.(interface{ Notes() string }).Notes()
	require.Contains(t, note, "External analyzers were not given 15 changed files, whose paths a tool cannot take: ")
	require.Contains(t, note, `"/src/a\\b.go" (contains a backslash)`)
	require.Contains(t, note, `"/nul\x00.go" (contains a control character)`)
	require.Contains(t, note, "\"/b`q\\r.go\" (contains a control character)")
	require.NotContains(t, note, "\n", "control characters are escaped")
	require.NotContains(t, note, "\x00")
	require.Less(t, len(note), 20*(80+60)+200, "long paths are shortened")
}

func TestReviewMissingHeadFileAndEmptyPR(t *testing.T) {
	t.Parallel()
	pr, _ := testPR()
	// No head versions at all: nothing to analyze, the tool is not run.
	r := newReviewer(analyzers.Analyzer{Name: "x", Command: []string{"/does/not/exist"}}, &fakeFiles{})
	got, err := r.Review(t.Context(), pr)
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = r.Review(t.Context(), nil)
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestReviewBoundsTheFilesGiven: one review gives the tools at most
// MaxFiles changed files and MaxLines added lines, in pull-request order;
// the Notes name the others.
func TestReviewBoundsTheFilesGiven(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x\n", analyzers.MaxLines+1)
	tests := []struct {
		name      string
		files     func() (paths []string, contents []string)
		wantGiven int
		wantNote  string
	}{
		{"more than MaxFiles", func() ([]string, []string) {
			var ps, cs []string
			for i := range analyzers.MaxFiles + 10 {
				ps, cs = append(ps, fmt.Sprintf("/src/f%03d.go", i)), append(cs, "x\n")
			}
			return ps, cs
		}, analyzers.MaxFiles, `they were not given 10 more changed files: "/src/f300.go", "/src/f301.go"`},
		{"a file over MaxLines", func() ([]string, []string) {
			return []string{"/big.go", "/small.go"}, []string{big, "x\n"}
		}, 1, `they were not given 1 more changed file: "/big.go".`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			paths, contents := tt.files()
			pr := &reviewer.PullRequest{}
			files := &fakeFiles{head: map[string]string{}}
			for i, p := range paths {
				pr.Files = append(pr.Files, added(p, contents[i]))
				files.head[p] = contents[i]
			}
			r := newReviewer(analyzers.Analyzer{Name: "many", Command: []string{fakeTool, "-fileuris"}, AppendFiles: true}, files)
			got, err := r.Review(t.Context(), pr)
			require.NoError(t, err)
			require.Len(t, got, tt.wantGiven, "one finding per file given")
			for i, f := range got {
				require.NotEqual(t, "/big.go", f.Path)
				if tt.wantGiven == analyzers.MaxFiles {
					require.Equal(t, paths[i], f.Path, "the first files in pull-request order")
				}
			}
			note := r.(interface{ Notes() string }).Notes()
			require.Contains(t, note, "External analyzers are given at most 300 changed files and 20000 added lines per review; ")
			require.Contains(t, note, tt.wantNote)
			given := map[string]bool{}
			for _, f := range got {
				given[f.Path] = true
			}
			unjudged := r.(reviewer.Partial).Unjudged()
			require.Len(t, unjudged, len(paths)-tt.wantGiven, "the files not given are unjudged")
			for _, u := range unjudged {
				require.Equal(t, "many", u.Rules)
				require.False(t, given[u.Path], u.Path)
			}
		})
	}
}

// TestJudges: an analyzer judges its rules ("<Name>" and "<Name>/<ruleId>")
// on the files its Paths take.
func TestJudges(t *testing.T) {
	t.Parallel()
	all, _ := reviewer.As[reviewer.Judge](analyzers.NewReviewer(analyzers.Analyzer{Name: "semgrep"}, nil))
	goOnly, _ := reviewer.As[reviewer.Judge](analyzers.NewReviewer(analyzers.Analyzer{Name: "semgrep", Paths: []string{".go"}}, nil))
	require.NotNil(t, all)
	tests := []struct {
		name  string
		judge reviewer.Judge
		rule  string
		path  string
		want  bool
	}{
		{"a rule of the tool", all, "semgrep/python.eval", "/a.py", true},
		{"a result without a rule id", all, "semgrep", "/a.py", true},
		{"another tool's rule", all, "semgrepx/eval", "/a.py", false},
		{"another reviewer's rule", all, "debug/debugger", "/a.js", false},
		{"a file its paths take", goOnly, "semgrep/eval", "/src/a.go", true},
		{"a file its paths no longer take", goOnly, "semgrep/eval", "/src/a.py", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.judge.Judges(tt.rule, tt.path))
		})
	}
}
