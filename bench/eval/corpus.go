package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// caseFile is a case's case.yaml: what the pull request says and what a
// reviewer should and should not find in it.
type caseFile struct {
	// Title and Description are the pull request's.
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Expect are the planted problems.
	Expect []Expected `yaml:"expect"`
	// Quiet are lines that must get no finding.
	Quiet []Quiet `yaml:"quiet"`
}

// Expected is a planted problem a reviewer should find.
type Expected struct {
	// Path is the file's path in the pull request, without a leading "/".
	Path string `yaml:"path"`
	// Line is the 1-based head line the finding must cover.
	Line int `yaml:"line"`
	// Kind is a kind (see [kindOf]), like "secret", or a rule id, like
	// "secret/aws-access-key", which the finding's rule must then equal.
	Kind string `yaml:"kind"`
	// What names the problem in the report, like "github-token".
	What string `yaml:"what"`
	// Text is a part of the line, checked by the corpus test so that the
	// line numbers stay right when a file is edited.
	Text string `yaml:"text"`
}

// Quiet is a line that must get no finding.
type Quiet struct {
	// Path and Line locate the line, as in [Expected].
	Path string `yaml:"path"`
	Line int    `yaml:"line"`
	// Why says what the line is, like "test fixture" or "type annotation".
	Why string `yaml:"why"`
	// Text is a part of the line, as in [Expected].
	Text string `yaml:"text"`
}

// Case is one pull request of the corpus.
type Case struct {
	// Name is the case's directory name.
	Name string
	caseFile
	// Base and Head map a path (without a leading "/") to the file's
	// content on each side; a path only in Head is added, only in Base
	// deleted.
	Base, Head map[string][]byte
	// Config is the repository configuration: the defaults merged with the
	// case's .azreviewer.yaml when it has one.
	Config repoconfig.Config
	// HasConfig reports whether the case has an .azreviewer.yaml.
	HasConfig bool
}

// loadCorpus reads every case under dir: one directory per case holding
// case.yaml, base/ and head/ (the files on each side, at their paths in the
// pull request) and optionally .azreviewer.yaml (the target branch's
// configuration).
func loadCorpus(dir string) ([]*Case, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w", err)
	}
	var cases []*Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := loadCase(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", e.Name(), err)
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// loadCase reads one case directory.
func loadCase(dir string) (*Case, error) {
	c := &Case{Name: filepath.Base(dir), Config: repoconfig.Defaults()}
	data, err := os.ReadFile(filepath.Join(dir, "case.yaml"))
	if err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalWithOptions(data, &c.caseFile, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("case.yaml: %w", err)
	}
	if c.Base, err = readTree(filepath.Join(dir, "base")); err != nil {
		return nil, err
	}
	if c.Head, err = readTree(filepath.Join(dir, "head")); err != nil {
		return nil, err
	}
	switch data, err := os.ReadFile(filepath.Join(dir, repoconfig.FileName)); {
	case err == nil:
		repo, err := repoconfig.Parse(data)
		if err != nil {
			return nil, err
		}
		c.Config = repoconfig.Merge(c.Config, repo)
		c.HasConfig = true
	case !os.IsNotExist(err):
		return nil, err
	}
	return c, nil
}

// fixtureSuffix ends the name of a fixture that would otherwise be taken
// for a source file of the module: x.go is stored as x.go.in, so that Go
// tools and gofmt leave the corpus alone.
const fixtureSuffix = ".in"

// readTree returns the files under root by slash-separated relative path,
// without [fixtureSuffix]; a missing root is an empty tree.
func readTree(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		files[strings.TrimSuffix(filepath.ToSlash(rel), fixtureSuffix)] = data
		return err
	})
	if os.IsNotExist(err) {
		return files, nil
	}
	return files, err
}

// PullRequest diffs the case's files as the worker does, with
// [reviewer.Diff] and the default options, in path order.
func (c *Case) PullRequest() *reviewer.PullRequest {
	paths := make([]string, 0, len(c.Head)+len(c.Base))
	for p := range c.Head {
		paths = append(paths, p)
	}
	for p := range c.Base {
		if _, ok := c.Head[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	pr := &reviewer.PullRequest{Title: c.Title, Description: c.Description}
	for _, p := range paths {
		base, inBase := c.Base[p]
		head, inHead := c.Head[p]
		change := reviewer.ChangeEdit
		switch {
		case !inBase:
			change = reviewer.ChangeAdd
		case !inHead:
			change = reviewer.ChangeDelete
		}
		pr.Files = append(pr.Files, reviewer.Diff(p, "", change, base, head, reviewer.DiffOptions{}))
	}
	return pr
}

// headLine returns line n (1-based) of the head version of p, without its
// terminator.
func (c *Case) headLine(p string, n int) (string, bool) {
	data, ok := c.Head[strings.TrimPrefix(path.Clean("/"+p), "/")]
	if !ok || n < 1 {
		return "", false
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if n > len(lines) || (n == len(lines) && len(lines[n-1]) == 0) {
		return "", false
	}
	return strings.TrimRight(string(lines[n-1]), "\r\n"), true
}

// check reports what is wrong with the case itself: no files, an expected
// or quiet line that is not in the head file or does not hold its text, an
// expected finding without a kind, or a line both expected and quiet.
func (c *Case) check() error {
	var errs []string
	if len(c.Head)+len(c.Base) == 0 {
		errs = append(errs, "no files under base/ or head/")
	}
	loud := map[string]bool{}
	for _, e := range c.Expect {
		if e.Kind == "" {
			errs = append(errs, fmt.Sprintf("expect %s:%d: no kind", e.Path, e.Line))
		}
		if err := c.checkLine(e.Path, e.Line, e.Text); err != "" {
			errs = append(errs, "expect "+err)
		}
		loud[fmt.Sprint(e.Path, ":", e.Line)] = true
	}
	for _, q := range c.Quiet {
		if err := c.checkLine(q.Path, q.Line, q.Text); err != "" {
			errs = append(errs, "quiet "+err)
		}
		if loud[fmt.Sprint(q.Path, ":", q.Line)] {
			errs = append(errs, fmt.Sprintf("quiet %s:%d is also expected", q.Path, q.Line))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("case %s: %s", c.Name, strings.Join(errs, "; "))
	}
	return nil
}

func (c *Case) checkLine(p string, n int, text string) string {
	line, ok := c.headLine(p, n)
	switch {
	case !ok:
		return fmt.Sprintf("%s:%d: no such head line", p, n)
	case text == "":
		return fmt.Sprintf("%s:%d: no text", p, n)
	case !strings.Contains(line, text):
		return fmt.Sprintf("%s:%d: %q not on the line %q", p, n, text, line)
	}
	return ""
}
