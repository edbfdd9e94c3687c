//go:build linux

package analyzers_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// aliveOf returns the processes (not zombies) whose real or effective uid
// is uid, read from /proc.
func aliveOf(t *testing.T, uid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		var name, state string
		var uids []string
		for line := range strings.SplitSeq(string(status), "\n") {
			key, value, _ := strings.Cut(line, ":")
			switch key {
			case "Name":
				name = strings.TrimSpace(value)
			case "State":
				state = strings.TrimSpace(value)
			case "Uid":
				uids = strings.Fields(value)
			}
		}
		if len(uids) < 2 || strings.HasPrefix(state, "Z") {
			continue
		}
		if uids[0] == strconv.Itoa(uid) || uids[1] == strconv.Itoa(uid) {
			out = append(out, e.Name()+" "+name+" ("+state+")")
		}
	}
	return out
}

func TestNothingOfARunSurvivesIt(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("a worker that is not root runs its tools as itself and cannot tell their processes from its own")
	}
	// Each script starts processes that leave the tool's process group
	// (setsid; bash's job control, which, unlike dash's, needs no terminal),
	// records their pids in pids, and ends.
	const (
		bg     = " </dev/null >/dev/null 2>&1 & echo $! >>pids"
		setsid = "setsid sleep 300" + bg + "; "
		jobs   = "bash -c 'set -m; sleep 301" + bg + "'; "
	)
	tests := []struct {
		name    string
		script  string
		wantErr string
	}{
		{name: "setsid, exit 0 with SARIF", script: setsid + "cat SARIF"},
		{name: "job control in a shell, exit 0 with SARIF", script: jobs + "cat SARIF"},
		{name: "both, exit 3 without SARIF", script: setsid + jobs + "exit 3", wantErr: "exit status 3"},
		{name: "both, timeout", script: setsid + jobs + "exec sleep 3600", wantErr: "timeout"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One id: the run's user is known, and the next run must wait
			// for it.
			users := usersAt(t, 32+i, 1)
			uid := uidBase + 32 + i
			dir := sharedDir(t)
			pids := filepath.Join(dir, "pids")
			script := "cd " + dir + "; " + strings.ReplaceAll(tt.script, "SARIF", fixture(t, "empty.sarif"))
			a := analyzers.Analyzer{Name: "escape", Command: []string{"/bin/sh", "-c", script}, Users: users}
			if tt.wantErr == "timeout" {
				a.Timeout = 3 * time.Second
			}
			pr, files := testPR()
			_, err := analyzers.NewReviewer(a, files).Review(t.Context(), pr)
			if tt.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tt.wantErr)
			}
			data, err := os.ReadFile(pids)
			require.NoError(t, err, "the tool started its processes")
			started := strings.Fields(string(data))
			t.Cleanup(func() {
				for _, p := range started {
					if pid, err := strconv.Atoi(p); err == nil && !gone(pid) {
						if proc, err := os.FindProcess(pid); err == nil {
							_ = proc.Kill()
						}
					}
				}
			})
			require.Len(t, started, strings.Count(tt.script, "$!"))

			// No waiting: when Review returns, nothing of the run is left.
			require.Empty(t, aliveOf(t, uid), "processes of the run's uid %d outlived it", uid)
			for _, p := range started {
				pid, err := strconv.Atoi(p)
				require.NoError(t, err)
				require.True(t, gone(pid), "process %d that left the tool's group outlived the run", pid)
			}

			// The id went back to the pool: the next run gets it.
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			again := analyzers.Analyzer{Name: "again", Command: []string{fakeTool, "-cat", fixture(t, "empty.sarif")}, Users: users}
			_, err = analyzers.NewReviewer(again, files).Review(ctx, pr)
			require.NoError(t, err, "the run's id was given back")
		})
	}
}

func TestConcurrentRunsDoNotShareAUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("a worker that is not root runs every tool as itself")
	}
	users := usersAt(t, 40, 2)
	dir := sharedDir(t)
	a := analyzers.Analyzer{Name: "peek", Command: []string{fakeTool, "-peek", dir, "-probefile", "src/a.go"}, Users: users}
	var wg sync.WaitGroup
	reports := make([][]string, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			pr, files := testPR()
			var found []reviewer.Finding
			found, errs[i] = analyzers.NewReviewer(a, files).Review(t.Context(), pr)
			for _, f := range found {
				reports[i] = append(reports[i], f.Message)
			}
		})
	}
	wg.Wait()
	uids := map[string]bool{}
	for i := range 2 {
		require.NoError(t, errs[i])
		t.Logf("run %d:\n%s", i, strings.Join(reports[i], "\n"))
		require.Len(t, reports[i], 4, "the run saw the other: %v", reports[i])
		var uid, gid int
		var mode string
		_, err := fmt.Sscanf(reports[i][0], "uid %d gid %d; scratch directory %s", &uid, &gid, &mode)
		require.NoError(t, err, reports[i][0])
		require.True(t, users.Contains(uid), "uid %d is one of the pool's", uid)
		require.Equal(t, uid, gid)
		require.Equal(t, "-rwx------", mode, "the scratch directory is its run's alone")
		require.Contains(t, reports[i][0], fmt.Sprintf("owned by %d:%d", uid, uid))
		uids[strconv.Itoa(uid)] = true
		for _, r := range reports[i][1:] {
			require.Contains(t, r, "permission denied", "a run reached into the other's tree")
		}
	}
	require.Len(t, uids, 2, "the two runs at once ran as different users")
}

func TestRunWaitsForAFreeUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("a worker that is not root takes no ids")
	}
	users := usersAt(t, 44, 1)
	started := filepath.Join(sharedDir(t), "started")
	require.NoError(t, syscall.Mkfifo(started, 0o666))
	require.NoError(t, os.Chmod(started, 0o666))
	pr, files := testPR()

	// The first run holds the only id until its context ends.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	holder := analyzers.Analyzer{Name: "holder", Command: []string{"/bin/sh", "-c", "echo up >" + started + "; exec sleep 3600"}, Users: users}
	first := make(chan error, 1)
	go func() {
		_, err := analyzers.NewReviewer(holder, files).Review(ctx, pr)
		first <- err
	}()
	f, err := os.Open(started)
	require.NoError(t, err)
	_, err = f.Read(make([]byte, 8))
	require.NoError(t, err, "the first tool runs")
	f.Close()

	quick := analyzers.Analyzer{Name: "quick", Command: []string{fakeTool, "-cat", fixture(t, "empty.sarif")}, Users: users}
	waiting, stop := context.WithCancel(t.Context())
	stop()
	_, err = analyzers.NewReviewer(quick, files).Review(waiting, pr)
	require.ErrorContains(t, err, "wait for a free analyzer user id", "no id is free; the wait ends with its context")
	require.ErrorIs(t, err, context.Canceled)

	cancel()
	require.ErrorIs(t, <-first, context.Canceled)
	_, err = analyzers.NewReviewer(quick, files).Review(t.Context(), pr)
	require.NoError(t, err, "the first run gave its id back")
}

func TestCheckUnused(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("starts a process as another user")
	}
	users := usersAt(t, 50, 4)
	require.NoError(t, users.CheckUnused())
	other := exec.Command("/bin/sleep", "3600")
	other.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uidBase + 52), Gid: uint32(uidBase + 52), Groups: []uint32{}}}
	require.NoError(t, other.Start())
	t.Cleanup(func() {
		_ = other.Process.Kill()
		_ = other.Wait()
	})
	err := users.CheckUnused()
	require.ErrorContains(t, err, fmt.Sprintf("pid %d", other.Process.Pid))
	require.ErrorContains(t, err, "nothing else uses")
}

func TestRunLeavesNoFilesBehind(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("a worker that is not root cannot tell a tool's files from its own")
	}
	users := usersAt(t, 56, 1)
	dir := sharedDir(t)
	// A file the tool may point a link at: the link goes, not the file.
	target := filepath.Join(dir, "target")
	require.NoError(t, os.WriteFile(target, []byte("keep"), 0o644))
	record := filepath.Join(dir, "left")
	script := strings.Join([]string{
		"f=/tmp/azreviewer-left-$$; echo pull request data >$f; echo $f >>" + record,
		"d=/dev/shm/azreviewer-left-$$; mkdir $d && echo x >$d/inner && echo $d >>" + record,
		"l=/var/tmp/azreviewer-left-$$; ln -s " + target + " $l && echo $l >>" + record,
		"cat " + fixture(t, "empty.sarif"),
	}, "; ")
	pr, files := testPR()
	_, err := analyzers.NewReviewer(analyzers.Analyzer{Name: "litter", Command: []string{"/bin/sh", "-c", script}, Users: users}, files).Review(t.Context(), pr)
	require.NoError(t, err)
	data, err := os.ReadFile(record)
	require.NoError(t, err)
	left := strings.Fields(string(data))
	t.Cleanup(func() {
		for _, p := range left {
			_ = os.RemoveAll(p)
		}
	})
	require.Len(t, left, 3, "the tool left its files")
	for _, p := range left {
		_, err := os.Lstat(p)
		require.ErrorIs(t, err, os.ErrNotExist, "%s, left by the run, outlived it", p)
	}
	got, err := os.ReadFile(target)
	require.NoError(t, err, "the link's target is not the run's")
	require.Equal(t, "keep", string(got))
}
