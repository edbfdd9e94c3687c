package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
	"github.com/azreviewer/azreviewer/internal/llmreview/llmtest"
	"github.com/azreviewer/azreviewer/internal/markdown"
)

// TestDemo runs the README's first command in-process: the demo must post
// the sample's findings and a summary, print them and the trace, and
// return without error.
func TestDemo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, logs bytes.Buffer
	err := allinone.Main(ctx, []string{"--demo", "--log-level", "warn"}, &out, &logs)
	require.NoError(t, err, logs.String())

	got := out.String()
	for _, want := range []string{
		"/config/settings.yaml:3 ", "secret/aws-access-token",
		"/config/settings.yaml:6 ", "secret/password-assignment",
		"/internal/store/store.go:16", "debug/go-print",
		"/scripts/report.py:2 ", "conflict/marker",
		"/src/cart.js:2 ", "debug/console-log",
		"/src/cart.test.js:4 ", "test/focused",
		"summary thread:", "POST /webhooks/azure-devops", "review pull request",
		"pull request status azreviewer/review: failed — 3 open findings at error or above",
		"review complete: 6 finding threads and a summary posted",
	} {
		require.Contains(t, got, want)
	}
	require.Regexp(t, regexp.MustCompile(`webhook git.pullrequest.created -> http://127\.0\.0\.1:\d+/webhooks/azure-devops: 202 Accepted`), got)
	require.False(t, strings.Contains(logs.String(), "level=ERROR"), logs.String())
}

// TestDemoHostileLLM runs the demo with LLM_BASE_URL pointed at a model
// answering as a prompt-injected one would (mentions, images, raw HTML,
// javascript: links, a 300,000-character message, 300 findings) and checks
// the printed threads: nothing live, no comment over the cap, no more
// finding threads than MAX_THREADS (25). It sets environment variables, so
// it is not parallel.
func TestDemoHostileLLM(t *testing.T) {
	model := httptest.NewServer(llmtest.Hostile(300, 300_000)) // 127.0.0.1
	t.Cleanup(model.Close)
	t.Setenv("LLM_BASE_URL", model.URL+"/v1")
	t.Setenv("LLM_MODEL", "hostile")
	t.Setenv("LLM_API_KEY", "sk-demo-unused")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, logs bytes.Buffer
	err := allinone.Main(ctx, []string{"--demo", "--log-level", "warn"}, &out, &logs)
	require.NoError(t, err, logs.String())
	got := out.String()
	t.Log(got)

	require.Contains(t, got, "llm/injected-", "the model's findings are posted")
	m := regexp.MustCompile(`review complete: (\d+) finding threads`).FindStringSubmatch(got)
	require.NotNil(t, m, got)
	threads, _ := strconv.Atoi(m[1])
	require.LessOrEqual(t, threads, 25, "no more threads than MAX_THREADS")
	require.Regexp(t, `\d+ more findings? not posted`, got)
	m = regexp.MustCompile(`longest comment: (\d+) bytes`).FindStringSubmatch(got)
	require.NotNil(t, m, got)
	longest, _ := strconv.Atoi(m[1])
	require.LessOrEqual(t, longest, markdown.MaxComment)
	for _, live := range []*regexp.Regexp{
		regexp.MustCompile(`@<`),            // a mention
		regexp.MustCompile(`<[A-Za-z/!?]`),  // raw HTML or an autolink
		regexp.MustCompile(`(^|[^\\])!\[`),  // an image
		regexp.MustCompile(`(^|[^\\])\]\(`), // an inline link
		regexp.MustCompile(`(?i)https?://`), // a URL a renderer would link
		regexp.MustCompile(`(?i)www\.evil`), // a GFM www. autolink
		regexp.MustCompile(`(?m)^\s*#`),     // a header outside the summary title
	} {
		for _, line := range strings.Split(got, "\n") {
			if strings.Contains(line, "### azreviewer") || strings.HasPrefix(line, "webhook ") || strings.HasPrefix(line, "Azure DevOps simulator:") {
				continue // the demo's own lines
			}
			require.False(t, live.MatchString(line), "%s matches %q", line, live)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no organisation", []string{"--webhook-token", "t", "--azdo-pat", "p", "--ingest-addr", "127.0.0.1:0"}, "AZDO_ORG_URL"},
		{"no PAT", []string{"--webhook-token", "t", "--azdo-org-url", "https://dev.azure.com/x", "--ingest-addr", "127.0.0.1:0"}, "AZDO_PAT"},
		{"no webhook auth", []string{"--azdo-pat", "p", "--azdo-org-url", "https://dev.azure.com/x", "--ingest-addr", "127.0.0.1:0"}, "--insecure-no-auth"},
		{"bad log level", []string{"--log-level", "loud"}, "LOG_LEVEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var out, logs bytes.Buffer
			err := allinone.Main(ctx, tt.args, &out, &logs)
			require.ErrorIs(t, err, app.ErrUsage)
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, 2, app.Exit(err, &logs))
		})
	}
}

// TestConfigCheck runs "azreviewer config check": 0 for a valid file, 1 for
// an invalid one.
func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string
		status        int
	}{
		{"valid", "version: 1\nseverity_threshold: warning\n", 0},
		{"nesting bomb", strings.Repeat("[", 60<<10), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, tt.name+".yaml")
			require.NoError(t, os.WriteFile(file, []byte(tt.content), 0o600))
			var out, logs bytes.Buffer
			err := allinone.Main(context.Background(), []string{"config", "check", file}, &out, &logs)
			require.Equal(t, tt.status, app.Exit(err, &logs), "%s%s", out.String(), logs.String())
			require.True(t, strings.HasPrefix(out.String(), file+":"), out.String())
		})
	}
}

// TestDemoStopsOnAWorkerMistake: a worker configuration mistake ends the
// demo with that mistake (exit 2), not with the review's timeout after it.
func TestDemoStopsOnAWorkerMistake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, logs bytes.Buffer
	err := allinone.Main(ctx, []string{"--demo", "--log-level", "warn", "--demo-timeout", "5s", "--max-threads", "-1"}, &out, &logs)
	require.ErrorIs(t, err, app.ErrUsage)
	require.ErrorContains(t, err, "max threads must not be negative")
	require.NotContains(t, err.Error(), "no summary thread", "the demo did not wait out its timeout")
}
