//go:build unix

package analyzers_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
)

// gone reports whether process pid has exited (a zombie no parent reaped
// yet counts as exited).
func gone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) state ...: the state follows the last ")".
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

func TestToolChildrenDieWithIt(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc to watch the child")
	}
	tests := []struct {
		name    string
		args    []string
		timeout time.Duration
		// cancel cancels the review's context once the child started.
		cancel  bool
		wantErr string
	}{
		{name: "exit 0 with SARIF", args: []string{"-cat", fixture(t, "empty.sarif")}},
		{name: "exit 2 without SARIF", args: []string{"-garbage", "-exit", "2"}, wantErr: "exit status 2"},
		{name: "timeout", args: []string{"-sleep", "1h"}, timeout: 2 * time.Second, wantErr: "timeout"},
		{name: "context cancelled", args: []string{"-sleep", "1h"}, cancel: true, wantErr: context.Canceled.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pr, files := testPR()
			pidFile := filepath.Join(sharedDir(t), "child.pid")
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			pidRead := make(chan []byte, 1)
			if tt.cancel {
				// The tool blocks writing the pid until it is read here.
				require.NoError(t, syscall.Mkfifo(pidFile, 0o600))
				require.NoError(t, os.Chmod(pidFile, 0o666))
				go func() {
					defer cancel()
					f, err := os.Open(pidFile)
					if err != nil {
						pidRead <- nil
						return
					}
					defer f.Close()
					data, _ := io.ReadAll(f)
					pidRead <- data
				}()
			}
			args := append([]string{fakeTool, "-bgchild", pidFile}, tt.args...)
			r := newReviewer(analyzers.Analyzer{Name: "bg", Command: args, Timeout: tt.timeout}, files)
			_, err := r.Review(ctx, pr)
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tt.wantErr)
			}
			var data []byte
			if tt.cancel {
				// Should the tool have failed before opening the fifo, its
				// reader still waits for a writer: this one ends it.
				if w, err := os.OpenFile(pidFile, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				data = <-pidRead
			} else {
				data, err = os.ReadFile(pidFile)
				require.NoError(t, err, "the tool started its child")
			}
			pid, err := strconv.Atoi(string(data))
			require.NoError(t, err)
			t.Cleanup(func() {
				if p, err := os.FindProcess(pid); err == nil && !gone(pid) {
					_ = p.Kill()
				}
			})
			// SIGKILL takes effect asynchronously; the child sleeps an hour
			// unless it was killed.
			require.Eventually(t, func() bool { return gone(pid) }, 10*time.Second, 10*time.Millisecond,
				"the tool's background child %d outlived it", pid)
		})
	}
}

// BenchmarkReview measures one review of a small pull request by a tool
// that prints a SARIF file: the scratch tree, the process and its group,
// parsing and mapping.
func BenchmarkReview(b *testing.B) {
	pr, files := testPR()
	sarif := filepath.Join(testDir, "basic.sarif")
	r := newReviewer(analyzers.Analyzer{Name: "lint", Command: []string{fakeTool, "-cat", sarif}}, files)
	for b.Loop() {
		if _, err := r.Review(b.Context(), pr); err != nil {
			b.Fatal(err)
		}
	}
}
