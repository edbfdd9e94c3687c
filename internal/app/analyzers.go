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
// files' head versions and must print SARIF 2.1.0 on standard output.
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
