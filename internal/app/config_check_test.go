package app_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
)

// TestConfigCheck runs "config check" on files and arguments and checks
// what it prints and its exit status.
func TestConfigCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bomb := filepath.Join(dir, "bomb.yaml")
	require.NoError(t, os.WriteFile(bomb, bytes.Repeat([]byte("["), 60<<10), 0o600))
	readme := filepath.Join("testdata", "config", "readme.yaml")
	invalid := filepath.Join("testdata", "config", "invalid.yaml")
	tests := []struct {
		name   string
		args   []string
		status int
		out    string // all of stdout
		errOut string // contained in the error
	}{
		{"the README's example", []string{"check", readme}, 0, readme + ": valid\n", ""},
		{"an invalid file", []string{"check", invalid}, 1, invalid + `:1:10: version: 2 is not supported; the only version is 1
` + invalid + `:2:21: severity_threshold: "urgent" is not one of info, warning, error
` + invalid + `:5:14: custom_rules[0].pattern: "TODO(" is not a valid Go (RE2) regular expression: missing closing ) in "TODO("
`, ""},
		{"60 KiB of nested brackets", []string{"check", bomb}, 1,
			bomb + ":1:17: lists and mappings are nested more than 16 levels deep here; the limit is 16 (a valid file needs at most 5)\n", ""},
		{"no such file", []string{"check", filepath.Join(dir, "missing.yaml")}, 2, "", "no such file"},
		{"two files", []string{"check", readme, invalid}, 2, "", "config check takes one file, got 2"},
		{"no subcommand", nil, 2, "", "usage: azreviewer config check [FILE]"},
		{"unknown subcommand", []string{"lint"}, 2, "", "usage: azreviewer config check [FILE]"},
		{"unknown flag", []string{"check", "--strict"}, 2, "", "flag provided but not defined: -strict"},
		{"help", []string{"check", "-h"}, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := app.ConfigMain(context.Background(), tt.args, &out, &errOut)
			require.Equal(t, tt.status, app.Exit(err, &errOut), "stderr: %s", errOut.String())
			require.Equal(t, tt.out, out.String())
			if tt.errOut != "" {
				require.ErrorContains(t, err, tt.errOut)
			}
		})
	}
}

// TestConfigCheckDefaultFile checks the file read without an argument is
// .azreviewer.yaml in the current directory.
func TestConfigCheckDefaultFile(t *testing.T) {
	// Not parallel: it changes the working directory.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".azreviewer.yaml"), []byte("severity_threshold: high\n"), 0o600))
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	err := app.ConfigMain(context.Background(), []string{"check"}, &out, &errOut)
	require.Equal(t, 1, app.Exit(err, &errOut))
	require.Equal(t, `.azreviewer.yaml:1:21: severity_threshold: "high" is not one of info, warning, error`+"\n", out.String())
}

// TestConfigCheckREADMEExample checks that testdata/config/readme.yaml is
// the example of the README's section on .azreviewer.yaml, so the example
// the README shows is the one TestConfigCheck finds valid.
func TestConfigCheckREADMEExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, found := strings.Cut(string(readme), "### Per-repository configuration: `.azreviewer.yaml`")
	require.True(t, found, "the README's section on .azreviewer.yaml")
	_, block, found := strings.Cut(section, "```yaml\n")
	require.True(t, found, "a yaml block in the section")
	block, _, found = strings.Cut(block, "```\n")
	require.True(t, found, "the yaml block ends")
	want, err := os.ReadFile(filepath.Join("testdata", "config", "readme.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(want), block)
}
