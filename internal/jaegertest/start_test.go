package jaegertest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB whose Skip and Fatal record instead of stopping
// the test.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()           {}
func (r *recorder) Skip(args ...any)  { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }

// TestStartWithoutBinary: a missing binary skips the test with the build
// command, except under CI, where it fails it.
func TestStartWithoutBinary(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-jaeger")
	for _, tc := range []struct {
		ci       string
		wantFail bool
	}{
		{"", false},
		{"false", false},
		{"true", true},
		{"1", true},
		{"woodpecker", true},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			t.Setenv(EnvBinary, missing)
			r := &recorder{TB: t}
			if j := Start(r); j != nil {
				t.Fatalf("Start returned %+v", j)
			}
			msg := r.skipped
			if tc.wantFail {
				msg = r.fatal
			}
			if msg == "" || (r.skipped != "") == (r.fatal != "") {
				t.Fatalf("skipped=%q fatal=%q, want only %s", r.skipped, r.fatal, map[bool]string{false: "skip", true: "fatal"}[tc.wantFail])
			}
			for _, want := range []string{missing, "bash scripts/build-jaeger.sh", EnvBinary} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
		})
	}
}

func TestDefaultBinary(t *testing.T) {
	t.Setenv(EnvDir, "/cache/x")
	if got, want := DefaultBinary(), "/cache/x/jaeger-"+Version; got != want {
		t.Errorf("DefaultBinary() = %q, want %q", got, want)
	}
	t.Setenv(EnvDir, "")
	t.Setenv("HOME", "/home/u")
	if got, want := DefaultBinary(), "/home/u/.cache/azreviewer/jaeger-"+Version; got != want {
		t.Errorf("DefaultBinary() = %q, want %q", got, want)
	}
}
