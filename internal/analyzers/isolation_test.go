//go:build linux

package analyzers_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
)

// The worker's secrets in the secrets test: none may reach a tool.
var workerSecrets = map[string]string{
	"AZDO_PAT":      "pat-4f9c2e1b7a6d",
	"WEBHOOK_TOKEN": "webhook-8d3a5c0e9f21",
	"LLM_API_KEY":   "llm-key-1e7b4a9c3d58",
}

// filePAT is the content of the PAT file in the secrets test.
const filePAT = "file-pat-6b2d8e4f0a13"

// leakedBy returns the routes of the probe's dump (its "== route"
// headings) whose content holds secret.
func leakedBy(dump, secret string) []string {
	var routes []string
	for _, section := range strings.Split(dump, "\n== ")[1:] {
		route, content, _ := strings.Cut(section, "\n")
		if strings.Contains(content, secret) {
			routes = append(routes, route)
		}
	}
	return routes
}

func TestToolCannotReadWorkerSecrets(t *testing.T) {
	t.Parallel()
	root := os.Geteuid() == 0
	tests := []struct {
		name string
		// workerUID, when set, is the user the worker runs as (the test
		// drops to it when it runs as root).
		workerUID int
		patFile   bool
	}{
		// A root worker runs its tools as nobody: its environment, memory
		// and PAT file are out of their reach.
		{name: "worker as root", patFile: true},
		// A worker that is not root runs them as itself and makes itself
		// non-dumpable. (Its PAT file is the tools' to read, which is why
		// the worker refuses AZDO_PAT_FILE with analyzers when not root.)
		{name: "worker not root", workerUID: 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.workerUID == 0 && !root {
				t.Skipf("needs the tests to run as root, since the worker runs as root (euid %d)", os.Geteuid())
			}
			dir := sharedDir(t)
			out := filepath.Join(dir, "read.txt")
			env := []string{"PATH=" + os.Getenv("PATH"), "PROBE_TOOL=" + fakeTool, "PROBE_OUT=" + out, "PROBE_UIDS=" + usersAt(t, 48, 2).String()}
			for k, v := range workerSecrets {
				env = append(env, k+"="+v)
			}
			secrets := []string{"very-secret-token"}
			for _, v := range workerSecrets {
				secrets = append(secrets, v)
			}
			if tt.patFile {
				pat := filepath.Join(dir, "pat")
				require.NoError(t, os.WriteFile(pat, []byte(filePAT+"\n"), 0o600))
				env = append(env, "PROBE_PAT_FILE="+pat, "AZDO_PAT_FILE="+pat)
				secrets = append(secrets, filePAT)
			}
			worker := exec.Command(probeWorker)
			worker.Env = env
			if tt.workerUID != 0 && root {
				worker.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(tt.workerUID), Gid: uint32(tt.workerUID), Groups: []uint32{}}}
			}
			var stdout, stderr bytes.Buffer
			worker.Stdout, worker.Stderr = &stdout, &stderr
			require.NoError(t, worker.Run(), "probeworker: %s", stderr.String())
			var reports []string
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &reports), stdout.String())
			t.Logf("the tool reported:\n%s", strings.Join(reports, "\n"))

			read, err := os.ReadFile(out)
			require.NoError(t, err)
			for _, s := range secrets {
				require.Empty(t, leakedBy(string(read), s), "a tool read the worker's secret %q through these routes", s)
				require.NotContains(t, stdout.String(), s)
			}
			// Every route was tried and refused.
			routes := map[string]bool{}
			for _, r := range reports {
				route, result, _ := strings.Cut(r, ": ")
				routes[route] = true
				switch route {
				case "parent environ", "parent mem", "parent fd", "PAT file":
					require.Contains(t, result, "permission denied", r)
				}
			}
			for _, r := range []string{"env", "parent environ", "parent mem", "parent fd", "every environ"} {
				require.True(t, routes[r], "route %q was not tried: %v", r, reports)
			}
			require.Equal(t, tt.patFile, routes["PAT file"])
		})
	}
}

func TestToolsCanRead(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		ok, err := analyzers.ToolsCanRead("/does/not/matter", nil)
		require.NoError(t, err)
		require.True(t, ok, "tools of a worker that is not root run as its user")
		return
	}
	dir := sharedDir(t)
	private := filepath.Join(dir, "private")
	require.NoError(t, os.Mkdir(private, 0o700))
	tests := []struct {
		name     string
		path     string
		mode     os.FileMode
		uid, gid int
		want     bool
	}{
		{name: "owner only", path: filepath.Join(dir, "a"), mode: 0o600, uid: 0, gid: 0, want: false},
		{name: "world-readable", path: filepath.Join(dir, "b"), mode: 0o644, uid: 0, gid: 0, want: true},
		{name: "world-readable in a private directory", path: filepath.Join(private, "c"), mode: 0o644, uid: 0, gid: 0, want: false},
		{name: "owned by a tools' user", path: filepath.Join(dir, "d"), mode: 0o400, uid: uidBase + 3, gid: 0, want: true},
		{name: "owned by a tools' user, not readable by its owner", path: filepath.Join(dir, "d2"), mode: 0o004, uid: uidBase + 3, gid: 0, want: true},
		{name: "owned by a tools' user, unreadable", path: filepath.Join(dir, "d3"), mode: 0o000, uid: uidBase + 3, gid: 0, want: false},
		{name: "readable by a tools' group", path: filepath.Join(dir, "e"), mode: 0o640, uid: 0, gid: uidBase + 15, want: true},
		{name: "group-readable by another group", path: filepath.Join(dir, "f"), mode: 0o640, uid: 0, gid: 0, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, os.WriteFile(tt.path, []byte("secret"), tt.mode))
			require.NoError(t, os.Chmod(tt.path, tt.mode))
			require.NoError(t, os.Chown(tt.path, tt.uid, tt.gid))
			got, err := analyzers.ToolsCanRead(tt.path, testUsers)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
	_, err := analyzers.ToolsCanRead(filepath.Join(dir, "missing"), testUsers)
	require.Error(t, err)
}
