package app

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/azreviewer/azreviewer/internal/analyzers"
)

// analyzerSpec is one entry of the ANALYZERS_FILE.
type analyzerSpec struct {
	Name           string   `yaml:"name"`
	Command        []string `yaml:"command"`
	AppendFiles    bool     `yaml:"append_files"`
	Timeout        string   `yaml:"timeout"`
	MaxOutputBytes int64    `yaml:"max_output_bytes"`
	Paths          []string `yaml:"paths"`
	// Env are extra environment variables of the tool, taken literally.
	Env map[string]string `yaml:"env"`
}

// maxEnvBytes bounds one analyzer's env entries together.
const maxEnvBytes = 64 << 10

// LoadAnalyzers reads the external analyzers an operator configured:
//
//   - name: semgrep
//     command: [semgrep, scan, --sarif, --quiet, --config, p/default]
//     timeout: 2m
//   - name: golangci-lint
//     command: [golangci-lint, run, --output.sarif.path=stdout, ./...]
//     paths: [".go"]
//     env: {GOLANGCI_LINT_CACHE: /var/cache/golangci-lint}
//
// Each command runs without a shell in a temporary tree of the changed
// files' head versions and must print SARIF 2.1.0 on standard output; with
// append_files the files are appended as "./<path>" (see [analyzers]). Its
// environment is PATH, a fresh HOME and TMPDIR, and the analyzer's env,
// nothing else of the worker's.
func LoadAnalyzers(path string) ([]analyzers.Analyzer, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read ANALYZERS_FILE: %w", err)
	}
	var specs []analyzerSpec
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.DisallowUnknownField()).Decode(&specs); err != nil {
		return nil, fmt.Errorf("ANALYZERS_FILE %s: %w", path, err)
	}
	out := make([]analyzers.Analyzer, 0, len(specs))
	seen := map[string]bool{}
	for i, s := range specs {
		switch {
		case s.Name == "":
			return nil, fmt.Errorf("ANALYZERS_FILE %s: analyzer %d has no name", path, i+1)
		case seen[s.Name]:
			return nil, fmt.Errorf("ANALYZERS_FILE %s: analyzer %q is defined twice", path, s.Name)
		case len(s.Command) == 0:
			return nil, fmt.Errorf("ANALYZERS_FILE %s: analyzer %q has no command", path, s.Name)
		}
		seen[s.Name] = true
		env, err := envList(s.Env)
		if err != nil {
			return nil, fmt.Errorf("ANALYZERS_FILE %s: analyzer %q: %w", path, s.Name, err)
		}
		a := analyzers.Analyzer{Name: s.Name, Command: s.Command, AppendFiles: s.AppendFiles, MaxOutputBytes: s.MaxOutputBytes, Paths: s.Paths, Env: env}
		if s.Timeout != "" {
			d, err := time.ParseDuration(s.Timeout)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("ANALYZERS_FILE %s: analyzer %q: timeout %q is not a positive duration such as 90s", path, s.Name, s.Timeout)
			}
			a.Timeout = d
		}
		out = append(out, a)
	}
	return out, nil
}

// envList returns an analyzer's env as "KEY=VALUE" entries, sorted by
// key. A key must be a portable variable name (letters, digits and
// underscores, not starting with a digit); no value may hold a NUL byte.
func envList(env map[string]string) ([]string, error) {
	out := make([]string, 0, len(env))
	size := 0
	for _, k := range slices.Sorted(maps.Keys(env)) {
		v := env[k]
		if !envName.MatchString(k) {
			return nil, fmt.Errorf("env: %q is not a variable name (letters, digits, _)", k)
		}
		if strings.ContainsRune(v, 0) {
			return nil, fmt.Errorf("env: %s holds a NUL byte", k)
		}
		size += len(k) + len(v) + 2
		if size > maxEnvBytes {
			return nil, fmt.Errorf("env: more than %d bytes", maxEnvBytes)
		}
		out = append(out, k+"="+v)
	}
	return out, nil
}

// envName is a portable environment variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Protect makes the worker non-dumpable when it has external analyzers
// (see [analyzers.Protect]), so that no process of its user — a tool, or a
// process a tool left behind — can read its environment or memory. The
// worker calls it right after parsing its configuration, before it reads a
// secret or runs a tool.
func (c *Worker) Protect() error {
	if c.AnalyzersFile == "" {
		return nil
	}
	return analyzers.Protect()
}

// Analyzers loads the ANALYZERS_FILE and keeps the tools from the worker's
// secrets and from each other: the worker becomes non-dumpable
// ([Worker.Protect]); when it runs as root, each run of a tool takes a user
// id of ANALYZERS_UIDS for itself (which needs the capabilities
// [analyzers.CheckCapabilities] names), and a worker whose PAT file
// (AZDO_PAT_FILE) or NATS credentials file (natsCreds) the tools could
// read refuses to start, since a pull request can make a tool run code of
// its own (a linter's configuration file in the tree, for one).
func (c *Worker) Analyzers(natsCreds string) ([]analyzers.Analyzer, error) {
	tools, err := LoadAnalyzers(c.AnalyzersFile)
	if err != nil || len(tools) == 0 {
		return tools, err
	}
	if err := analyzers.Protect(); err != nil {
		return nil, err
	}
	if c.AnalyzersUID != 0 || c.AnalyzersGID != 0 {
		return nil, fmt.Errorf("ANALYZERS_UID and ANALYZERS_GID are no longer supported: set ANALYZERS_UIDS to a range of user ids nothing else uses (default %s), from which every run of an analyzer takes its own uid and gid; every process of these ids is killed after each run", analyzers.DefaultUsers)
	}
	users, err := analyzers.ParseUsers(c.AnalyzersUIDs)
	if err != nil {
		return nil, fmt.Errorf("ANALYZERS_UIDS: %w", err)
	}
	if os.Geteuid() == 0 {
		if err := analyzers.CheckCapabilities(); err != nil {
			return nil, err
		}
		if err := users.CheckUnused(); err != nil {
			return nil, fmt.Errorf("ANALYZERS_UIDS %s: %w", users, err)
		}
	}
	for i := range tools {
		tools[i].Users = users
	}
	for _, f := range []struct{ name, path, instead string }{
		{"AZDO_PAT_FILE", c.PATFile, " or pass the PAT in AZDO_PAT"},
		{"NATS_CREDS", natsCreds, ""},
	} {
		if f.path == "" {
			continue
		}
		readable, err := analyzers.ToolsCanRead(f.path, users)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		switch {
		case !readable:
		case os.Geteuid() != 0:
			return nil, fmt.Errorf("%s %s is readable by the external analyzers: a worker that is not root runs them as its own user; run the worker as root, so that they run as ANALYZERS_UIDS%s", f.name, f.path, f.instead)
		default:
			return nil, fmt.Errorf("%s %s is readable by the external analyzers, which run as uids and gids %s: make it readable by its owner only (chmod 0600; in Kubernetes, defaultMode: 0400)", f.name, f.path, users)
		}
	}
	return tools, nil
}
