package app_test

import (
	"os"
	"path/filepath"
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
		patMode  os.FileMode
		credMode os.FileMode
		wantErr  string
	}{
		{name: "private secret files", tools: true, patMode: 0o600, credMode: 0o600},
		{name: "world-readable PAT file", tools: true, patMode: 0o644, credMode: 0o600, wantErr: "AZDO_PAT_FILE"},
		{name: "world-readable NATS credentials", tools: true, patMode: 0o600, credMode: 0o644, wantErr: "NATS_CREDS"},
		{name: "no analyzers, nothing to check", patMode: 0o644, credMode: 0o644},
		{name: "analyzers as root", tools: true, uid: -1, patMode: 0o600, credMode: 0o600, wantErr: "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// A world-readable file is only readable by the tools when they
			// can reach it.
			dir := t.TempDir()
			require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
			require.NoError(t, os.Chmod(dir, 0o755))
			cfg := &app.Worker{AnalyzersUID: 65534, AnalyzersGID: 65534}
			if tt.uid != 0 {
				cfg.AnalyzersUID = 0
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
			case tt.wantErr != "" && (root || tt.uid != 0):
				require.ErrorContains(t, err, tt.wantErr)
			case !root && tt.tools:
				require.ErrorContains(t, err, "a worker that is not root runs them as its own user")
			default:
				require.NoError(t, err)
				if tt.tools {
					require.Len(t, got, 1)
					require.Equal(t, 65534, got[0].UID)
					require.Equal(t, 65534, got[0].GID)
				}
			}
		})
	}
}
