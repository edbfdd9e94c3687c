package analyzers

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// tree is a temporary directory holding the head versions of changed files.
type tree struct {
	// dir is the directory, as created.
	dir string
	// realDir is dir with symbolic links resolved, since tools may report
	// either form in file:// URIs.
	realDir string
	// rels are the written files' slash-separated paths relative to dir, in
	// pull-request order.
	rels []string
	// byRel maps a relative path to its pull-request path.
	byRel map[string]string
}

// writeTree writes the head version of each path into a fresh temporary
// directory. Files missing on the head are left out. A path with an empty,
// "." or ".." component is an error, and writes go through an [os.Root], so
// nothing is written outside the directory.
func writeTree(ctx context.Context, files Files, paths []string) (_ *tree, err error) {
	dir, err := os.MkdirTemp("", "azreviewer-analyzer-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary tree: %w", err)
	}
	t := &tree{dir: dir, realDir: dir, byRel: make(map[string]string, len(paths))}
	defer func() {
		if err != nil {
			t.remove()
		}
	}()
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		t.realDir = real
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open temporary tree: %w", err)
	}
	defer root.Close()

	for _, p := range paths {
		rel, err := relPath(p)
		if err != nil {
			return nil, err
		}
		if _, dup := t.byRel[rel]; dup {
			continue
		}
		data, ok, err := files.Head(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		if !ok {
			continue
		}
		native := filepath.FromSlash(rel)
		if d := filepath.Dir(native); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return nil, fmt.Errorf("write %s: %w", p, err)
			}
		}
		if err := root.WriteFile(native, data, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", p, err)
		}
		t.rels = append(t.rels, rel)
		t.byRel[rel] = p
	}
	return t, nil
}

// relPath turns a pull-request path ("/src/a.go") into a relative one
// ("src/a.go"), rejecting empty, "." and ".." components and backslashes.
func relPath(p string) (string, error) {
	rel := strings.TrimPrefix(p, "/")
	if rel == "" || strings.ContainsAny(rel, "\\\x00") {
		return "", fmt.Errorf("unsafe path %q", p)
	}
	for c := range strings.SplitSeq(rel, "/") {
		if c == "" || c == "." || c == ".." {
			return "", fmt.Errorf("unsafe path %q", p)
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", fmt.Errorf("unsafe path %q", p)
	}
	return rel, nil
}

// prPath maps a SARIF artifact URI back to the pull-request path of a file of
// the tree: a relative URI (percent-encoded or not, with or without "./") is
// relative to the tree's directory; a file:// URI or an absolute path must lie
// inside it.
func (t *tree) prPath(uri string) (string, bool) {
	p := uri
	if u, err := url.Parse(uri); err == nil {
		switch u.Scheme {
		case "file":
			p = u.Path
		case "":
			p = u.Path
		default:
			return "", false
		}
	}
	if p == "" {
		return "", false
	}
	if strings.HasPrefix(p, "/") {
		rel, ok := t.within(p)
		if !ok {
			return "", false
		}
		p = rel
	}
	pr, ok := t.byRel[path.Clean(p)]
	return pr, ok
}

// within returns abs relative to the tree's directory (either form), or false
// when it lies outside.
func (t *tree) within(abs string) (string, bool) {
	abs = filepath.Clean(filepath.FromSlash(abs))
	for _, dir := range []string{t.dir, t.realDir} {
		rel, err := filepath.Rel(dir, abs)
		if err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel), true
		}
	}
	return "", false
}

// remove deletes the tree.
func (t *tree) remove() { _ = os.RemoveAll(t.dir) }
