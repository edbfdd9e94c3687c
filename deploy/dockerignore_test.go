package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"github.com/stretchr/testify/require"
)

// dockerignore reads ../.dockerignore with Docker's own parser and
// matcher.
func dockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open("../.dockerignore")
	require.NoError(t, err)
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	require.NoError(t, err)
	pm, err := patternmatcher.New(patterns)
	require.NoError(t, err)
	return pm
}

// TestDockerignoreKeepsTheBuild checks the build context keeps every file
// `go build ./cmd/...` compiles or embeds, as go list reports them, and
// leaves out the repository's history and built output.
func TestDockerignoreKeepsTheBuild(t *testing.T) {
	t.Parallel()
	pm := dockerignore(t)
	root, err := filepath.Abs("..")
	require.NoError(t, err)

	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,Module,GoFiles,CgoFiles,EmbedFiles,OtherFiles", "./cmd/...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.Output()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		t.Fatalf("go list: %v\n%s", err, exitErr.Stderr)
	}
	require.NoError(t, err)
	needed := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Dir                           string
			Module                                    *struct{ Path string }
			GoFiles, CgoFiles, EmbedFiles, OtherFiles []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		if p.Module == nil || p.Module.Path != "github.com/azreviewer/azreviewer" {
			continue
		}
		for _, files := range [][]string{p.GoFiles, p.CgoFiles, p.EmbedFiles, p.OtherFiles} {
			for _, f := range files {
				rel, err := filepath.Rel(root, filepath.Join(p.Dir, f))
				require.NoError(t, err)
				needed = append(needed, filepath.ToSlash(rel))
			}
		}
	}
	require.Greater(t, len(needed), 50, "go list found the commands' sources")
	for _, f := range needed {
		excluded, err := pm.MatchesOrParentMatches(f)
		require.NoError(t, err)
		require.False(t, excluded, ".dockerignore leaves out %s, which the build needs", f)
	}

	for _, f := range []string{".git", ".git/HEAD", "eval", "bin/worker", "internal/app/app.test",
		"cover.out", "internal/worker/worker_test.go", "internal/reviewer/testdata/x.diff", "deploy/compose.yaml"} {
		excluded, err := pm.MatchesOrParentMatches(f)
		require.NoError(t, err)
		require.True(t, excluded, ".dockerignore keeps %s in the build context", f)
	}
}

// TestDockerfile checks the build stage's Go is the line go.mod names, no
// older, and that the version and commit reach the link step.
func TestDockerfile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	df := string(b)
	m := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\d+)\.(\d+)\.(\d+)$`).FindStringSubmatch(df)
	require.NotNil(t, m, "the Dockerfile pins GO_VERSION=X.Y.Z")
	require.Contains(t, df, "FROM golang:${GO_VERSION}")
	mod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	g := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)(?:\.(\d+))?$`).FindStringSubmatch(string(mod))
	require.NotNil(t, g)
	require.Equal(t, g[1]+"."+g[2], m[1]+"."+m[2], "the image builds with the Go line of go.mod")
	patch, _ := strconv.Atoi(m[3])
	modPatch, _ := strconv.Atoi(g[3])
	require.GreaterOrEqual(t, patch, modPatch, "the image's Go is not older than go.mod's")

	for _, v := range []string{"VERSION", "REVISION"} {
		require.Contains(t, df, "ARG "+v)
		require.Contains(t, df, "-X github.com/azreviewer/azreviewer/internal/app."+strings.ToLower(v)+"=${"+v+"}")
	}
}
