package analyzers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Limits on the paths a tool is given (see [ToolPath]).
const (
	// MaxNameBytes is the longest path component, the limit of Linux file
	// systems (NAME_MAX).
	MaxNameBytes = 255
	// MaxPathBytes is the longest path, relative to the tree; well below
	// PATH_MAX (4096), which must also hold the tree's own directory and
	// whatever a tool prefixes.
	MaxPathBytes = 1024
)

// Directories of a run, inside its scratch directory.
const (
	srcDir  = "src"
	homeDir = "home"
	tmpDir  = "tmp"
)

// tree is a run's scratch directory: the head versions of the changed files
// under src (the tool's working directory), and an empty home and tmp (its
// HOME and TMPDIR). Everything in it belongs to the tool's user.
type tree struct {
	// base is the scratch directory; removing it removes everything.
	base string
	// dir is the files' directory, as created; realDir is dir with symbolic
	// links resolved, since tools may report either form in file:// URIs.
	dir, realDir string
	// home and tmp are the tool's HOME and TMPDIR.
	home, tmp string
	// rels are the written files' slash-separated paths relative to dir, in
	// pull-request order.
	rels []string
	// byRel maps a relative path to its pull-request path.
	byRel map[string]string
	// skipped are the files that could not be written, with the reason.
	skipped []SkippedPath
}

// SkippedPath is a changed file the tools were not given.
type SkippedPath struct {
	// Path is the pull-request path.
	Path string
	// Reason says why, e.g. "contains a backslash"; empty with OverLimit.
	Reason string
	// OverLimit: the file is beyond the review's [MaxFiles] or
	// [MaxLines].
	OverLimit bool
}

// ToolPath returns the path a tool is given for a pull-request path
// ("/src/a.go" becomes "src/a.go", relative to the tree), or the reason why
// the file cannot be given to a tool at all: an empty path, a path that is
// not valid UTF-8, holds a backslash or a control character (NUL, newline,
// ...), has an empty, "." or ".." component (so also an absolute path after
// the leading "/"), a component longer than [MaxNameBytes] or is longer
// than [MaxPathBytes].
func ToolPath(p string) (rel, reason string) {
	rel = strings.TrimPrefix(p, "/")
	switch {
	case rel == "":
		return "", "empty path"
	case !utf8.ValidString(rel):
		return "", "not valid UTF-8"
	case strings.ContainsRune(rel, '\\'):
		return "", "contains a backslash"
	case strings.IndexFunc(rel, unicode.IsControl) >= 0:
		return "", "contains a control character"
	case len(rel) > MaxPathBytes:
		return "", fmt.Sprintf("longer than %d bytes", MaxPathBytes)
	}
	for c := range strings.SplitSeq(rel, "/") {
		switch {
		case c == "" || c == "." || c == "..":
			return "", `has an empty, "." or ".." component`
		case len(c) > MaxNameBytes:
			return "", fmt.Sprintf("has a name longer than %d bytes", MaxNameBytes)
		}
	}
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", "not a local path"
	}
	return rel, ""
}

// writeTree creates a run's scratch directory and writes the head version
// of each path into it. Files missing on the head are left out; a file
// whose path [ToolPath] refuses, or that the file system refuses to create
// under its name, is listed in skipped and the others are written. Writes
// go through an [os.Root], so nothing is written outside the directory.
// With owner set, everything is then handed to that user.
func writeTree(ctx context.Context, files Files, paths []string, owner *credential) (_ *tree, err error) {
	base, err := os.MkdirTemp("", "azreviewer-analyzer-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary tree: %w", err)
	}
	t := &tree{
		base: base, dir: filepath.Join(base, srcDir),
		home: filepath.Join(base, homeDir), tmp: filepath.Join(base, tmpDir),
		byRel: make(map[string]string, len(paths)),
	}
	defer func() {
		if err != nil {
			t.remove()
		}
	}()
	for _, d := range []string{t.dir, t.home, t.tmp} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, fmt.Errorf("create temporary tree: %w", err)
		}
	}
	t.realDir = t.dir
	if resolved, err := filepath.EvalSymlinks(t.dir); err == nil {
		t.realDir = resolved
	}
	root, err := os.OpenRoot(t.dir)
	if err != nil {
		return nil, fmt.Errorf("open temporary tree: %w", err)
	}
	defer root.Close()

	for _, p := range paths {
		rel, reason := ToolPath(p)
		if reason != "" {
			t.skipped = append(t.skipped, SkippedPath{Path: p, Reason: reason})
			continue
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
		if err := writeFile(root, rel, data); err != nil {
			if !refusedName(err) {
				return nil, fmt.Errorf("write %s: %w", p, err)
			}
			t.skipped = append(t.skipped, SkippedPath{Path: p, Reason: "the file system refused its name"})
			continue
		}
		t.rels = append(t.rels, rel)
		t.byRel[rel] = p
	}
	if owner != nil {
		if err := chownAll(base, owner); err != nil {
			return nil, fmt.Errorf("hand the temporary tree to uid %d: %w", owner.uid, err)
		}
	}
	return t, nil
}

// writeFile writes data at rel inside root, creating its directories.
func writeFile(root *os.Root, rel string, data []byte) error {
	native := filepath.FromSlash(rel)
	if d := filepath.Dir(native); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	return root.WriteFile(native, data, 0o644)
}

// refusedName reports whether a write failed because of the file's name or
// its place in the tree (a name too long for this file system, a file where
// a directory is needed), rather than because writing fails altogether
// (a full disk), which fails the run.
func refusedName(err error) bool {
	for _, e := range []error{syscall.ENAMETOOLONG, syscall.ENOTDIR, syscall.EISDIR, syscall.EEXIST, syscall.EINVAL, syscall.EILSEQ} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// chownAll hands base and everything in it to owner, each directory after
// its contents, so that the worker needs no more than CAP_CHOWN for it.
// Symbolic links are not followed (the tree holds none; the tool has not
// started yet).
func chownAll(base string, owner *credential) error {
	root, err := os.OpenRoot(base)
	if err != nil {
		return err
	}
	defer root.Close()
	var names []string
	if err := fs.WalkDir(root.FS(), ".", func(name string, _ fs.DirEntry, err error) error {
		names = append(names, name)
		return err
	}); err != nil {
		return err
	}
	for _, name := range slices.Backward(names) {
		if err := root.Lchown(name, owner.uid, owner.gid); err != nil {
			return err
		}
	}
	return nil
}

// args returns the written files as arguments: each relative path with a
// "./" prefix, so that none can be taken for an option ("-x", "--output=f")
// or another tool syntax ("@file", "+x"), whatever the tool's parser.
func (t *tree) args() []string {
	out := make([]string, len(t.rels))
	for i, rel := range t.rels {
		out[i] = "./" + rel
	}
	return out
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

// remove deletes the scratch directory and whatever the tool left in it;
// a nil tree has nothing to remove.
func (t *tree) remove() {
	if t != nil {
		_ = os.RemoveAll(t.base)
	}
}
