package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
)

func TestLoadAnalyzers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		yaml    string
		wantErr string
	}{
		{"valid", "- name: semgrep\n  command: [semgrep, --sarif]\n  timeout: 90s\n  paths: [.py]\n", ""},
		{"unknown key", "- name: x\n  command: [x]\n  shell: true\n", "shell"},
		{"no command", "- name: x\n", "has no command"},
		{"twice", "- name: x\n  command: [x]\n- name: x\n  command: [y]\n", "defined twice"},
		{"bad timeout", "- name: x\n  command: [x]\n  timeout: soon\n", "positive duration"},
		{"env", "- name: semgrep\n  command: [semgrep, --sarif]\n  timeout: 90s\n  paths: [.py]\n  env: {SEMGREP_CACHE: /var/cache/semgrep, A_1: '$HOME'}\n", ""},
		{"env name with =", "- name: x\n  command: [x]\n  env: {'A=B': c}\n", "not a variable name"},
		{"env name empty", "- name: x\n  command: [x]\n  env: {'': c}\n", "not a variable name"},
		{"env value with NUL", "- name: x\n  command: [x]\n  env: {A: \"a\\0b\"}\n", "NUL"},
		{"env not a map", "- name: x\n  command: [x]\n  env: [A=b]\n", "env"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "analyzers.yaml")
			require.NoError(t, os.WriteFile(path, []byte(tt.yaml), 0o600))
			got, err := app.LoadAnalyzers(path)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, "semgrep", got[0].Name)
			require.Equal(t, 90*time.Second, got[0].Timeout)
			require.Equal(t, []string{".py"}, got[0].Paths)
			if strings.Contains(tt.yaml, "env:") {
				// Sorted, and taken literally: no expansion.
				require.Equal(t, []string{"A_1=$HOME", "SEMGREP_CACHE=/var/cache/semgrep"}, got[0].Env)
			} else {
				require.Empty(t, got[0].Env)
			}
		})
	}
}

func TestWorkerAnalyzersKeepSecretFilesFromTools(t *testing.T) {
	t.Parallel()
	root := os.Geteuid() == 0
	tests := []struct {
		name     string
		tools    bool
		uid      int
		uids     string
		patMode  os.FileMode
		credMode os.FileMode
		wantErr  string
	}{
		{name: "private secret files", tools: true, patMode: 0o600, credMode: 0o600},
		{name: "world-readable PAT file", tools: true, patMode: 0o644, credMode: 0o600, wantErr: "AZDO_PAT_FILE"},
		{name: "world-readable NATS credentials", tools: true, patMode: 0o600, credMode: 0o644, wantErr: "NATS_CREDS"},
		{name: "no analyzers, nothing to check", patMode: 0o644, credMode: 0o644},
		{name: "the removed single uid", tools: true, uid: 65534, patMode: 0o600, credMode: 0o600, wantErr: "ANALYZERS_UIDS"},
		{name: "a range with root", tools: true, uids: "0-10", patMode: 0o600, credMode: 0o600, wantErr: "must be positive"},
		{name: "not a range", tools: true, uids: "many", patMode: 0o600, credMode: 0o600, wantErr: "FIRST-LAST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A world-readable file is only readable by the tools when they
			// can reach it.
			dir := t.TempDir()
			require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
			require.NoError(t, os.Chmod(dir, 0o755))
			cfg := &app.Worker{AnalyzersUIDs: "1000000-1000063", AnalyzersUID: tt.uid}
			if tt.uids != "" {
				cfg.AnalyzersUIDs = tt.uids
			}
			if tt.tools {
				cfg.AnalyzersFile = filepath.Join(dir, "analyzers.yaml")
				require.NoError(t, os.WriteFile(cfg.AnalyzersFile, []byte("- name: x\n  command: [x]\n"), 0o600))
			}
			cfg.PATFile = filepath.Join(dir, "pat")
			creds := filepath.Join(dir, "nats.creds")
			for path, mode := range map[string]os.FileMode{cfg.PATFile: tt.patMode, creds: tt.credMode} {
				require.NoError(t, os.WriteFile(path, []byte("secret"), mode))
				require.NoError(t, os.Chmod(path, mode))
			}
			got, err := cfg.Analyzers(creds)
			switch {
			case tt.wantErr != "" && (root || tt.uid != 0 || tt.uids != ""):
				require.ErrorContains(t, err, tt.wantErr)
			case !root && tt.tools:
				require.ErrorContains(t, err, "a worker that is not root runs them as its own user")
			default:
				require.NoError(t, err)
				if tt.tools {
					require.Len(t, got, 1)
					require.Equal(t, "1000000-1000063", got[0].Users.String())
				}
			}
		})
	}
}
