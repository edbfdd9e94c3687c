package app

import (
	"bytes"
	"fmt"
	"os"
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
}

// LoadAnalyzers reads the external analyzers an operator configured:
//
//   - name: semgrep
//     command: [semgrep, scan, --sarif, --quiet, --config, p/default]
//     timeout: 2m
//   - name: golangci-lint
//     command: [golangci-lint, run, --output.sarif.path=stdout, ./...]
//     paths: [".go"]
//
// Each command runs without a shell in a temporary tree of the changed
// files' head versions and must print SARIF 2.1.0 on standard output; with
// append_files the files are appended as "./<path>" (see [analyzers]).
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
		a := analyzers.Analyzer{Name: s.Name, Command: s.Command, AppendFiles: s.AppendFiles, MaxOutputBytes: s.MaxOutputBytes, Paths: s.Paths}
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

// Analyzers loads the ANALYZERS_FILE and keeps the tools from the worker's
// secrets: they run as AnalyzersUID and AnalyzersGID when the worker runs as
// root (which then needs the capabilities [analyzers.CheckCapabilities]
// names), and a worker whose PAT file (AZDO_PAT_FILE) or NATS credentials
// file (natsCreds) they could read refuses to start, since a pull request
// can make a tool run code of its own (a linter's configuration file in the
// tree, for one).
func (c *Worker) Analyzers(natsCreds string) ([]analyzers.Analyzer, error) {
	tools, err := LoadAnalyzers(c.AnalyzersFile)
	if err != nil || len(tools) == 0 {
		return tools, err
	}
	if c.AnalyzersUID <= 0 || c.AnalyzersGID <= 0 {
		return nil, fmt.Errorf("ANALYZERS_UID and ANALYZERS_GID must be positive, not %d and %d: tools running as root could read the worker's secrets", c.AnalyzersUID, c.AnalyzersGID)
	}
	if err := analyzers.CheckCapabilities(); err != nil {
		return nil, err
	}
	for i := range tools {
		tools[i].UID, tools[i].GID = c.AnalyzersUID, c.AnalyzersGID
	}
	for _, f := range []struct{ name, path, instead string }{
		{"AZDO_PAT_FILE", c.PATFile, " or pass the PAT in AZDO_PAT"},
		{"NATS_CREDS", natsCreds, ""},
	} {
		if f.path == "" {
			continue
		}
		readable, err := analyzers.ToolsCanRead(f.path, c.AnalyzersUID, c.AnalyzersGID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		switch {
		case !readable:
		case os.Geteuid() != 0:
			return nil, fmt.Errorf("%s %s is readable by the external analyzers: a worker that is not root runs them as its own user; run the worker as root, so that they run as ANALYZERS_UID%s", f.name, f.path, f.instead)
		default:
			return nil, fmt.Errorf("%s %s is readable by the external analyzers, which run as uid %d, gid %d: make it readable by its owner only (chmod 0600; in Kubernetes, defaultMode: 0400)", f.name, f.path, c.AnalyzersUID, c.AnalyzersGID)
		}
	}
	return tools, nil
}
