//go:build linux

package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestWorkerWithAnalyzersIsNeverReadable starts the worker binary, not
// root, with analyzers configured and secrets in its environment, and
// reads its /proc/<pid>/environ as its own user (as a process an earlier
// tool left behind would) once it consumes, before any analyzer ran: the
// worker must be non-dumpable from start-up, not from its first analyzer
// run on.
func TestWorkerWithAnalyzersIsNeverReadable(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the worker binary")
	}
	// The worker and the reader run as uid 1000 when the tests run as
	// root, as the tests' user otherwise.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: 1000, Gid: 1000, Groups: []uint32{}}
	}
	dir, err := os.MkdirTemp("", "protect-test-*")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	bin, err := apptest.BuildWorker(ctx, dir)
	require.NoError(t, err)
	tools := filepath.Join(dir, "analyzers.yaml")
	require.NoError(t, os.WriteFile(tools, []byte("- name: never-run\n  command: [/bin/false]\n"), 0o644))

	sim := azdotest.New(t)
	b := apptest.NewBroker(t)
	secrets := map[string]string{
		"AZDO_PAT":      sim.PAT,
		"WEBHOOK_TOKEN": "webhook-5e1c9a7b3d20",
		"LLM_API_KEY":   "llm-key-9f3b6d1a8c47",
	}
	w, err := apptest.StartWorkerProcess(ctx, apptest.ProcessOptions{
		Binary: bin, NATSURL: b.URL, OrgURL: sim.Org.URL(), PAT: sim.PAT,
		LogPath:    filepath.Join(t.TempDir(), "worker.log"),
		Env:        []string{"ANALYZERS_FILE=" + tools, "WEBHOOK_TOKEN=" + secrets["WEBHOOK_TOKEN"], "LLM_API_KEY=" + secrets["LLM_API_KEY"]},
		Credential: cred,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Kill() })

	for _, file := range []string{"environ", "mem"} {
		read := exec.CommandContext(ctx, "/bin/dd", "if="+fmt.Sprintf("/proc/%d/%s", w.Pid(), file), "bs=64k", "count=1")
		if cred != nil {
			read.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		var stdout, stderr bytes.Buffer
		read.Stdout, read.Stderr = &stdout, &stderr
		err := read.Run()
		for name, s := range secrets {
			// Not NotContains: the message would print the environment.
			require.False(t, strings.Contains(stdout.String(), s), "a process of the worker's user read %s from its %s", name, file)
		}
		require.Error(t, err, "%s of the worker is not readable", file)
		require.Contains(t, stderr.String(), "Permission denied", file)
	}
}
