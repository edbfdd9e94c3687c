// Command probeworker stands in for the worker in the secrets test of
// package analyzers: started with secrets in its environment (and, with
// PROBE_PAT_FILE, a PAT file it reads and keeps in memory), it runs the
// faketool at PROBE_TOOL with -probe over a one-file pull request, as the
// worker runs an analyzer, and prints the findings' messages as JSON.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

type files map[string]string

func (f files) Head(_ context.Context, path string) ([]byte, bool, error) {
	s, ok := f[path]
	return []byte(s), ok, nil
}

func main() {
	var pat []byte
	command := []string{os.Getenv("PROBE_TOOL"), "-probe", os.Getenv("PROBE_OUT")}
	if p := os.Getenv("PROBE_PAT_FILE"); p != "" {
		var err error
		if pat, err = os.ReadFile(p); err != nil {
			fail(err)
		}
		command = append(command, "-patfile", p)
	}
	pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{
		reviewer.Diff("/a.go", "", reviewer.ChangeAdd, nil, []byte("package a\n"), reviewer.DiffOptions{}),
	}}
	users, err := analyzers.ParseUsers(os.Getenv("PROBE_UIDS"))
	if err != nil {
		fail(err)
	}
	r := analyzers.NewReviewer(analyzers.Analyzer{Name: "probe", Command: command, Users: users}, files{"/a.go": "package a\n"})
	found, err := r.Review(context.Background(), pr)
	if err != nil {
		fail(err)
	}
	msgs := []string{}
	for _, f := range found {
		msgs = append(msgs, f.Message)
	}
	if err := json.NewEncoder(os.Stdout).Encode(msgs); err != nil {
		fail(err)
	}
	runtime.KeepAlive(pat)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "probeworker:", err)
	os.Exit(1)
}
