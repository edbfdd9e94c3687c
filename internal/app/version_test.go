package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
)

// TestVersion: every binary answers --version with its build and does
// nothing else; every process's metrics carry azreviewer_build_info.
func TestVersion(t *testing.T) {
	t.Parallel()
	for name, main := range map[string]func(*bytes.Buffer) error{
		"ingest":     func(w *bytes.Buffer) error { return app.IngestMain(context.Background(), []string{"--version"}, w) },
		"worker":     func(w *bytes.Buffer) error { return app.WorkerMain(context.Background(), []string{"--version"}, w, w) },
		"azreviewer": func(w *bytes.Buffer) error { return allinone.Main(context.Background(), []string{"--version"}, w, w) },
	} {
		var out bytes.Buffer
		require.NoError(t, main(&out), name)
		require.True(t, strings.HasPrefix(out.String(), "azreviewer "), "%s: %q", name, out.String())
		require.Contains(t, out.String(), "go1.", name)
		require.Equal(t, 1, strings.Count(out.String(), "\n"), "%s: one line", name)
	}

	families, err := app.NewRegistry().Gather()
	require.NoError(t, err)
	found := false
	for _, f := range families {
		if f.GetName() == "azreviewer_build_info" {
			found = len(f.GetMetric()) == 1 && f.GetMetric()[0].GetGauge().GetValue() == 1
		}
	}
	require.True(t, found, "azreviewer_build_info is 1")
}
