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
