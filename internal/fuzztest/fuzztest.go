// Package fuzztest seeds fuzz targets from a package's test fixtures, so
// every real sample is in the corpus that plain `go test` runs.
package fuzztest

import (
	"os"
	"path/filepath"
	"testing"
)

// AddFiles adds the contents of every file matching pattern (relative to
// the package, e.g. "testdata/*.json") to f's seed corpus. It fails the
// target when the pattern is malformed, matches nothing, or a file cannot
// be read: a fuzz target silently left without its samples tests less.
func AddFiles(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatalf("seed files %s: %v", pattern, err)
	}
	if len(files) == 0 {
		f.Fatalf("seed files %s: no file matches", pattern)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatalf("seed file: %v", err)
		}
		f.Add(data)
	}
}
