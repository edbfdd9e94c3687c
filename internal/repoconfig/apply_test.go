package repoconfig_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// added returns the diff of a new file with n lines.
func added(path string, n int) reviewer.FileDiff {
	var sb strings.Builder
	for i := range n {
		fmt.Fprintf(&sb, "line %d\n", i+1)
	}
	return reviewer.Diff(path, "", reviewer.ChangeAdd, nil, []byte(sb.String()), reviewer.DiffOptions{})
}

func paths(files []reviewer.FileDiff) []string {
	out := []string{}
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestMerge(t *testing.T) {
	t.Parallel()
	org := repoconfig.Merge(repoconfig.Defaults(), repoconfig.Config{
		ReviewersOn: map[string]bool{"llm": false, "rules": true},
		Rules: repoconfig.Rules{
			Disable:  []string{"debug/go-print"},
			Severity: map[string]reviewer.Severity{"test/skipped": "error", "debug/debugger": "info"},
		},
		Ignore: []string{"vendor/**"},
		Limits: repoconfig.Limits{MaxLines: intp(5000)},
		Custom: []repoconfig.CustomRule{
			{ID: "a", Pattern: "A", Message: "org a"},
			{ID: "b", Pattern: "B", Message: "org b"},
		},
		LLM:     repoconfig.LLM{Instructions: "Be kind.", Language: "English"},
		Secrets: repoconfig.Secrets{Allow: repoconfig.SecretAllow{Paths: []string{"fixtures/**"}, Stopwords: []string{"dummy"}}},
		Source:  "organisation defaults",
	})

	tests := []struct {
		name string
		repo repoconfig.Config
		want repoconfig.Config
	}{
		{
			name: "empty repo file keeps the organisation's settings",
			repo: repoconfig.Config{Version: 1},
			want: repoconfig.Config{
				Version:           1,
				ReviewersOn:       map[string]bool{"llm": false, "rules": true},
				Rules:             repoconfig.Rules{Disable: []string{"debug/go-print"}, Severity: map[string]reviewer.Severity{"test/skipped": "error", "debug/debugger": "info"}},
				SeverityThreshold: reviewer.SeverityInfo,
				Ignore:            []string{"vendor/**"},
				Limits:            repoconfig.Limits{MaxFiles: intp(repoconfig.DefaultMaxFiles), MaxLines: intp(5000)},
				Custom:            []repoconfig.CustomRule{{ID: "a", Pattern: "A", Message: "org a"}, {ID: "b", Pattern: "B", Message: "org b"}},
				LLM:               repoconfig.LLM{Instructions: "Be kind.", Language: "English"},
				Secrets:           repoconfig.Secrets{Allow: repoconfig.SecretAllow{Paths: []string{"fixtures/**"}, Stopwords: []string{"dummy"}}},
				Source:            "organisation defaults",
			},
		},
		{
			name: "scalars replace, maps merge, lists replace, custom rules merge by id, instructions and secret allow-lists add up",
			repo: repoconfig.Config{
				Version:           1,
				ReviewersOn:       map[string]bool{"llm": true, "custom": false},
				Rules:             repoconfig.Rules{Disable: []string{"test/focused"}, Severity: map[string]reviewer.Severity{"test/skipped": "warning"}},
				SeverityThreshold: reviewer.SeverityError,
				Ignore:            []string{},
				Limits:            repoconfig.Limits{MaxFiles: intp(0)},
				Custom:            []repoconfig.CustomRule{{ID: "c", Pattern: "C", Message: "repo c"}, {ID: "a", Pattern: "AA", Message: "repo a"}},
				LLM:               repoconfig.LLM{Instructions: "Use testify.", Language: "German"},
				Secrets:           repoconfig.Secrets{Allow: repoconfig.SecretAllow{Paths: []string{"testdata/**"}, Values: []string{"^sk_test_"}}},
				Source:            ".azreviewer.yaml from main",
			},
			want: repoconfig.Config{
				Version:           1,
				ReviewersOn:       map[string]bool{"llm": true, "rules": true, "custom": false},
				Rules:             repoconfig.Rules{Disable: []string{"test/focused"}, Severity: map[string]reviewer.Severity{"test/skipped": "warning", "debug/debugger": "info"}},
				SeverityThreshold: reviewer.SeverityError,
				Ignore:            []string{},
				Limits:            repoconfig.Limits{MaxFiles: intp(0), MaxLines: intp(5000)},
				Custom: []repoconfig.CustomRule{
					{ID: "a", Pattern: "AA", Message: "repo a"},
					{ID: "b", Pattern: "B", Message: "org b"},
					{ID: "c", Pattern: "C", Message: "repo c"},
				},
				LLM:     repoconfig.LLM{Instructions: "Be kind.\n\nUse testify.", Language: "German"},
				Secrets: repoconfig.Secrets{Allow: repoconfig.SecretAllow{Paths: []string{"fixtures/**", "testdata/**"}, Values: []string{"^sk_test_"}, Stopwords: []string{"dummy"}}},
				Source:  ".azreviewer.yaml from main",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := repoconfig.Merge(org, tt.repo)
			require.Equal(t, tt.want, got)
			// The result shares nothing with its inputs.
			got.ReviewersOn["rules"] = false
			got.Rules.Severity["test/skipped"] = "info"
			got.Custom[0].ID = "changed"
			got.Secrets.Allow.Paths[0] = "changed"
			*got.Limits.MaxLines = 1
			require.True(t, org.ReviewersOn["rules"])
			require.Equal(t, reviewer.SeverityError, org.Rules.Severity["test/skipped"])
			require.Equal(t, "a", org.Custom[0].ID)
			require.Equal(t, "fixtures/**", org.Secrets.Allow.Paths[0])
			require.Equal(t, 5000, *org.Limits.MaxLines)
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	d := repoconfig.Defaults()
	require.Equal(t, 1, d.Version)
	require.Equal(t, reviewer.SeverityInfo, d.SeverityThreshold)
	require.Equal(t, repoconfig.DefaultMaxFiles, *d.Limits.MaxFiles)
	require.Equal(t, repoconfig.DefaultMaxLines, *d.Limits.MaxLines)
	require.Equal(t, d, repoconfig.Merge(d, repoconfig.Config{}))
}

func TestFilter(t *testing.T) {
	t.Parallel()
	binary := reviewer.Diff("/img/logo.png", "", reviewer.ChangeAdd, nil, []byte("\x00png"), reviewer.DiffOptions{})
	deleted := reviewer.Diff("/old.go", "", reviewer.ChangeDelete, []byte("a\nb\n"), nil, reviewer.DiffOptions{})
	files := []reviewer.FileDiff{
		added("/vendor/lib/x.go", 3),
		added("/web/app.min.js", 2),
		added("/web/app.js", 4),
		added("/docs/guide/intro.md", 1),
		added("/main.go", 10),
		binary,
		deleted,
		added("/src/big.go", 50),
		added("/src/small.go", 5),
	}
	pr := &reviewer.PullRequest{Title: "t", Description: "d", Files: files}

	tests := []struct {
		name        string
		cfg         repoconfig.Config
		wantKept    []string
		wantSkipped []reviewer.SkippedFile
	}{
		{
			name:     "no configuration keeps everything",
			cfg:      repoconfig.Config{},
			wantKept: paths(files),
		},
		{
			name: "ignore globs, leading slashes and directories",
			cfg:  repoconfig.Config{Ignore: []string{"vendor/**", "**/*.min.js", "/docs"}},
			wantKept: []string{
				"/web/app.js", "/main.go", "/img/logo.png", "/old.go", "/src/big.go", "/src/small.go",
			},
			wantSkipped: []reviewer.SkippedFile{
				{Path: "/vendor/lib/x.go", Reason: `ignored: matches "vendor/**" in the ignore list of .azreviewer.yaml`},
				{Path: "/web/app.min.js", Reason: `ignored: matches "**/*.min.js" in the ignore list of .azreviewer.yaml`},
				{Path: "/docs/guide/intro.md", Reason: `ignored: matches "/docs" in the ignore list of .azreviewer.yaml`},
			},
		},
		{
			name:     "** ignores every diffed file",
			cfg:      repoconfig.Config{Ignore: []string{"**"}},
			wantKept: []string{"/img/logo.png"},
			wantSkipped: []reviewer.SkippedFile{
				{Path: "/vendor/lib/x.go", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
				{Path: "/web/app.min.js", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
				{Path: "/web/app.js", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
				{Path: "/docs/guide/intro.md", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
				{Path: "/main.go", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
				{Path: "/old.go", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
				{Path: "/src/big.go", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
				{Path: "/src/small.go", Reason: `ignored: matches "**" in the ignore list of .azreviewer.yaml`},
			},
		},
		{
			name:     "* stays at the root",
			cfg:      repoconfig.Config{Ignore: []string{"*.go"}},
			wantKept: []string{"/vendor/lib/x.go", "/web/app.min.js", "/web/app.js", "/docs/guide/intro.md", "/img/logo.png", "/src/big.go", "/src/small.go"},
			wantSkipped: []reviewer.SkippedFile{
				{Path: "/main.go", Reason: `ignored: matches "*.go" in the ignore list of .azreviewer.yaml`},
				{Path: "/old.go", Reason: `ignored: matches "*.go" in the ignore list of .azreviewer.yaml`},
			},
		},
		{
			name: "file limit counts files with added lines only",
			cfg:  repoconfig.Config{Ignore: []string{"vendor/**"}, Limits: repoconfig.Limits{MaxFiles: intp(3)}},
			wantKept: []string{
				"/web/app.min.js", "/web/app.js", "/docs/guide/intro.md", "/img/logo.png", "/old.go",
			},
			wantSkipped: []reviewer.SkippedFile{
				{Path: "/vendor/lib/x.go", Reason: `ignored: matches "vendor/**" in the ignore list of .azreviewer.yaml`},
				{Path: "/main.go", Reason: "not reviewed: the review is limited to 3 changed files (limits.max_files)"},
				{Path: "/src/big.go", Reason: "not reviewed: the review is limited to 3 changed files (limits.max_files)"},
				{Path: "/src/small.go", Reason: "not reviewed: the review is limited to 3 changed files (limits.max_files)"},
			},
		},
		{
			name:     "line limit skips a file that does not fit, a later one may",
			cfg:      repoconfig.Config{Limits: repoconfig.Limits{MaxFiles: intp(0), MaxLines: intp(30)}},
			wantKept: []string{"/vendor/lib/x.go", "/web/app.min.js", "/web/app.js", "/docs/guide/intro.md", "/main.go", "/img/logo.png", "/old.go", "/src/small.go"},
			wantSkipped: []reviewer.SkippedFile{
				{Path: "/src/big.go", Reason: "not reviewed: its 50 added lines would take the review over its limit of 30 added lines (limits.max_lines); 20 are already reviewed"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kept, skipped := tt.cfg.Filter(pr)
			require.Equal(t, tt.wantKept, paths(kept.Files))
			require.Equal(t, tt.wantSkipped, skipped)
			require.Equal(t, "t", kept.Title)
			require.Equal(t, "d", kept.Description)
			require.Len(t, pr.Files, len(files), "the input is not modified")
		})
	}

	t.Run("nil pull request", func(t *testing.T) {
		t.Parallel()
		kept, skipped := repoconfig.Defaults().Filter(nil)
		require.NotNil(t, kept)
		require.Empty(t, kept.Files)
		require.Empty(t, skipped)
	})
}

// namedReviewer is a Reviewer that finds nothing.
type namedReviewer string

func (n namedReviewer) Name() string { return string(n) }
func (namedReviewer) Review(context.Context, *reviewer.PullRequest) ([]reviewer.Finding, error) {
	return nil, nil
}

func TestReviewers(t *testing.T) {
	t.Parallel()
	available := map[string]reviewer.Reviewer{
		"rules":  namedReviewer("rules"),
		"llm":    namedReviewer("llm"),
		"custom": namedReviewer("custom"),
		"nil":    nil,
	}
	tests := []struct {
		name string
		on   map[string]bool
		want []string
	}{
		{"all on by default", nil, []string{"custom", "llm", "rules"}},
		{"switched off", map[string]bool{"llm": false, "custom": false}, []string{"rules"}},
		{"explicitly on", map[string]bool{"llm": true}, []string{"custom", "llm", "rules"}},
		{"unavailable names are ignored", map[string]bool{"other": true, "rules": false}, []string{"custom", "llm"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := repoconfig.Config{ReviewersOn: tt.on}.Reviewers(available)
			names := []string{}
			for _, r := range got {
				names = append(names, r.Name())
			}
			require.Equal(t, tt.want, names)
		})
	}
}

func TestCustomRules(t *testing.T) {
	t.Parallel()
	cfg, err := repoconfig.Parse([]byte(`
custom_rules:
  - id: no-todo
    pattern: "TODO\\("
    paths: ["**/*.go"]
    severity: info
    message: Open a work item instead of a TODO.
  - id: no-fixme
    pattern: "(?i)fixme"
    message: Fix it now.
`))
	require.NoError(t, err)
	r, err := cfg.CustomRules()
	require.NoError(t, err)
	require.Equal(t, "custom", r.Name())

	edit := reviewer.Diff("/src/a.go", "", reviewer.ChangeEdit,
		[]byte("package a\n// TODO(old) removed\n// TODO(kept) context\nfunc f() {}\n"),
		[]byte("package a\n// TODO(kept) context\nfunc f() {} // TODO(new)\n// FixMe: later\n// azreviewer:ignore-next-line\n// TODO(suppressed)\n// TODO(x) azreviewer:ignore\n"),
		reviewer.DiffOptions{})
	js := reviewer.Diff("/web/app.js", "", reviewer.ChangeAdd, nil, []byte("// TODO(js)\n// fixme\n"), reviewer.DiffOptions{})
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{edit, js}}

	got, err := r.Review(context.Background(), pr)
	require.NoError(t, err)
	type hit struct {
		path string
		line int
		rule string
		sev  reviewer.Severity
	}
	var hits []hit
	for _, f := range got {
		hits = append(hits, hit{f.Path, f.StartLine, f.Rule, f.Severity})
	}
	require.Equal(t, []hit{
		{"/src/a.go", 3, "custom/no-todo", reviewer.SeverityInfo}, // added; line 2 is context, the deleted TODO is not flagged
		{"/src/a.go", 4, "custom/no-fixme", reviewer.SeverityWarning},
		{"/web/app.js", 2, "custom/no-fixme", reviewer.SeverityWarning}, // no-todo is for Go files only
	}, hits)
	require.Equal(t, "Open a work item instead of a TODO.", got[0].Message)

	// Through reviewer.Run, every finding is anchored on added lines.
	res := reviewer.Run(context.Background(), pr, r)
	require.Len(t, res.Findings, 3)
	require.Zero(t, res.Dropped)

	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := r.Review(ctx, pr)
		require.ErrorIs(t, err, context.Canceled)
	})
	t.Run("no rules", func(t *testing.T) {
		t.Parallel()
		r, err := repoconfig.Config{}.CustomRules()
		require.NoError(t, err)
		got, err := r.Review(context.Background(), pr)
		require.NoError(t, err)
		require.Empty(t, got)
	})
	t.Run("invalid rules built in code", func(t *testing.T) {
		t.Parallel()
		_, err := repoconfig.Config{Custom: []repoconfig.CustomRule{
			{ID: "a", Pattern: "(", Message: "m"},
			{ID: "B", Pattern: "x", Message: "m"},
		}}.CustomRules()
		require.ErrorContains(t, err, `custom rule 0 (a): pattern "(": missing closing ) in "("`)
		var pe *repoconfig.PatternError
		require.ErrorAs(t, err, &pe)
		require.ErrorContains(t, err, `custom rule 1: invalid id "B"`)
	})
}

func TestApply(t *testing.T) {
	t.Parallel()
	findings := []reviewer.Finding{
		{Path: "/a.js", StartLine: 1, Rule: "debug/console-log", Severity: reviewer.SeverityWarning},
		{Path: "/a.go", StartLine: 2, Rule: "debug/go-print", Severity: reviewer.SeverityInfo},
		{Path: "/a.go", StartLine: 3, Rule: "custom/no-todo", Severity: reviewer.SeverityInfo},
		{Path: "/a.go", StartLine: 4, Rule: "secret/aws-access-key", Severity: reviewer.SeverityError},
		{Path: "/a.py", StartLine: 5, Rule: "debug/python-print", Severity: reviewer.SeverityInfo},
	}
	tests := []struct {
		name string
		cfg  repoconfig.Config
		want []string // rule:severity
	}{
		{"nothing set keeps all", repoconfig.Config{}, []string{
			"debug/console-log:warning", "debug/go-print:info", "custom/no-todo:info", "secret/aws-access-key:error", "debug/python-print:info",
		}},
		{"disable", repoconfig.Config{Rules: repoconfig.Rules{Disable: []string{"debug/console-log", "custom/no-todo"}}}, []string{
			"debug/go-print:info", "secret/aws-access-key:error", "debug/python-print:info",
		}},
		{"threshold", repoconfig.Config{SeverityThreshold: reviewer.SeverityWarning}, []string{
			"debug/console-log:warning", "secret/aws-access-key:error",
		}},
		{"override then threshold", repoconfig.Config{
			SeverityThreshold: reviewer.SeverityWarning,
			Rules: repoconfig.Rules{
				Disable:  []string{"debug/console-log"},
				Severity: map[string]reviewer.Severity{"debug/go-print": "warning", "secret/aws-access-key": "info", "debug/console-log": "error"},
			},
		}, []string{"debug/go-print:warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := []string{}
			for _, f := range tt.cfg.Apply(findings) {
				got = append(got, f.Rule+":"+string(f.Severity))
			}
			require.Equal(t, tt.want, got)
			require.Equal(t, reviewer.SeverityInfo, findings[1].Severity, "the input is not modified")
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	full := fullConfig()
	full.Source = ".azreviewer.yaml from main"
	tests := []struct {
		name string
		cfg  repoconfig.Config
		want string
	}{
		{"defaults", repoconfig.Defaults(), "Configuration: organisation defaults; threshold info; limits 1000 files, 100000 added lines."},
		{"full", full, "Configuration: .azreviewer.yaml from main; threshold warning; 3 ignore patterns; 2 custom rules; " +
			"rule debug/console-log off; 2 severity overrides; reviewer llm off; limits 300 files, 20000 added lines; " +
			"extra instructions; comments in English."},
		{"markdown is escaped", repoconfig.Config{Source: "file from *feature_x*"}, `Configuration: file from \*feature\_x\*.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.cfg.Describe())
		})
	}
}

func TestErrorComment(t *testing.T) {
	t.Parallel()
	_, err := repoconfig.Parse(readFixture(t, "invalid_several.yaml"))
	require.Error(t, err)
	comment := repoconfig.ErrorComment(err, "/.azreviewer.yaml on main")

	require.True(t, strings.HasPrefix(comment, repoconfig.ErrorCommentMarker+"\n"))
	require.Contains(t, comment, "**azreviewer: the configuration file `/.azreviewer.yaml on main` is invalid**")
	require.Contains(t, comment, "It has these 21 problems:")
	require.Contains(t, comment, `line 1, column 10: version: 3 is not supported; the only version is 1`)
	require.Contains(t, comment, `line 8, column 21: severity_threshold: "high" is not one of info, warning, error`)
	require.Contains(t, comment, `line 26, column 1: unknown key "extra"`)
	require.Contains(t, comment, "default configuration")
	require.Contains(t, comment, "```text\n")

	// The example in the comment is a valid file.
	ex := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(comment)
	require.NotNil(t, ex)
	cfg, err := repoconfig.Parse([]byte(ex[1]))
	require.NoError(t, err)
	require.Equal(t, reviewer.SeverityWarning, cfg.SeverityThreshold)

	t.Run("one problem, default name", func(t *testing.T) {
		t.Parallel()
		_, err := repoconfig.Parse(readFixture(t, "invalid_severity.yaml"))
		comment := repoconfig.ErrorComment(err, "")
		require.Contains(t, comment, "`.azreviewer.yaml` is invalid")
		require.Contains(t, comment, "It has this problem:\n\n```text\nline 3, column 21: severity_threshold: \"urgent\" is not one of info, warning, error\n```\n")
	})
	t.Run("backticks get a longer fence", func(t *testing.T) {
		t.Parallel()
		_, err := repoconfig.Parse([]byte("custom_rules: [{id: a, pattern: \"```(\", message: m}]\n"))
		comment := repoconfig.ErrorComment(err, "")
		require.Contains(t, comment, "````text\nline 1, column 33: custom_rules[0].pattern: \"```(\" is not")
		require.Contains(t, comment, "\n````\n")
	})
	t.Run("any error", func(t *testing.T) {
		t.Parallel()
		comment := repoconfig.ErrorComment(fmt.Errorf("reading the file: timeout"), "")
		require.Contains(t, comment, "```text\nreading the file: timeout\n```")
	})
	t.Run("many problems are capped", func(t *testing.T) {
		t.Parallel()
		var sb strings.Builder
		for i := range 60 {
			fmt.Fprintf(&sb, "k%d: 1\n", i)
		}
		_, err := repoconfig.Parse([]byte(sb.String()))
		comment := repoconfig.ErrorComment(err, "")
		require.Contains(t, comment, "… and 10 more problems")
		require.NotContains(t, comment, "k55")
	})
}
