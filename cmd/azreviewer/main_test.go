package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
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
		"/config/settings.yaml:3 ", "secret/aws-access-key",
		"/config/settings.yaml:6 ", "secret/hardcoded-credential",
		"/internal/store/store.go:16", "debug/go-print",
		"/scripts/report.py:2 ", "conflict/marker",
		"/src/cart.js:2 ", "debug/console-log",
		"/src/cart.test.js:4 ", "test/focused",
		"summary thread:", "POST /webhooks/azure-devops", "review pull request",
		"pull request status azreviewer/review: failed — 5 open findings at error or above",
		"review complete: 8 finding threads and a summary posted",
	} {
		require.Contains(t, got, want)
	}
	require.Regexp(t, regexp.MustCompile(`webhook git.pullrequest.created -> http://127\.0\.0\.1:\d+/webhooks/azure-devops: 202 Accepted`), got)
	require.False(t, strings.Contains(logs.String(), "level=ERROR"), logs.String())
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
