package repoconfig

import (
	"github.com/goccy/go-yaml/ast"
)

// Decoder decodes a YAML file of another kind that holds the keys of
// .azreviewer.yaml somewhere inside it (the organisations file's defaults),
// with the same strictness and messages as [Parse]: every problem is
// collected with its line, column and field path. Its methods walk the
// file's own keys too, so that both kinds of problem read alike. Anchors
// defined anywhere earlier in the file resolve. A Decoder is for one file
// and not safe for concurrent use.
type Decoder struct{ d decoder }

// Field is one known key of a mapping and how to decode its value (never
// nil: a key without a value is skipped); path is the key's field path.
type Field struct {
	Name   string
	Decode func(value ast.Node, path string)
}

// Entry is one key of a mapping, its value resolved (nil for none).
type Entry struct {
	Key            string
	KeyNode, Value ast.Node
}

// NewDecoder returns a Decoder for one file.
func NewDecoder() *Decoder { return &Decoder{d: decoder{anchors: map[string]ast.Node{}}} }

// HideText makes every later problem leave out the file's text: an
// unknown key, a value of the wrong kind or a value refused is located by
// its line, column and field path and described by its kind, never
// quoted; a "did you mean" still names the known key. For a file that
// holds tokens and secrets (the organisations file), where one written in
// the wrong place must not reach a terminal or a log. The YAML parser's
// own syntax errors are left as they are.
func (x *Decoder) HideText() { x.d.hide = true }

// Root parses data and returns its single document's body, nil for an
// empty file or when a problem (a YAML syntax error, too deep a nesting)
// stops parsing. A byte order mark and CRLF line endings are accepted.
func (x *Decoder) Root(data []byte) ast.Node {
	root, _ := x.d.root(data)
	return root
}

// Mapping decodes the mapping n, whose keys must be among fields: an
// unknown key is a problem naming the allowed ones; what describes the
// expected value ("a mapping with url and credential").
func (x *Decoder) Mapping(n ast.Node, path, what string, fields []Field) {
	fs := make([]field, len(fields))
	for i, f := range fields {
		fs[i] = field{name: f.Name, decode: f.Decode}
	}
	x.d.mapping(n, path, what, fs)
}

// Entries returns the keys and values of the mapping n in file order, for
// a mapping whose keys are names (false: n is not a mapping, reported).
func (x *Decoder) Entries(n ast.Node, path, what string) ([]Entry, bool) {
	es, ok := x.d.entries(n, path, what)
	out := make([]Entry, len(es))
	for i, e := range es {
		out[i] = Entry{Key: e.key, KeyNode: e.keyNode, Value: e.value}
	}
	return out, ok
}

// Sequence returns the items of the list n, each resolved (false: n is
// not a list, reported).
func (x *Decoder) Sequence(n ast.Node, path, what string) ([]ast.Node, bool) {
	return x.d.sequence(n, path, what)
}

// Resolve follows tags, anchors and aliases from n to the node holding the
// value (nil, reported, when an alias refers to no anchor).
func (x *Decoder) Resolve(n ast.Node, path string) ast.Node { return x.d.resolve(n, path) }

// String decodes a scalar as a string (numbers and booleans as their
// text).
func (x *Decoder) String(n ast.Node, path string) (string, bool) { return x.d.str(n, path) }

// Add records a problem at n (the file's start when n is nil).
func (x *Decoder) Add(n ast.Node, path, format string, args ...any) {
	x.d.add(n, path, format, args...)
}

// Config decodes the keys of .azreviewer.yaml from the mapping n at path
// (see the package documentation for them); its problems are the
// Decoder's.
func (x *Decoder) Config(n ast.Node, path string) Config {
	var cfg Config
	x.d.config(n, path, "a mapping of the keys of "+FileName+" (reviewers, rules, severity_threshold, ignore, limits, …)", &cfg)
	return cfg
}

// Problems returns every problem recorded, in file order.
func (x *Decoder) Problems() []Problem { return x.d.sorted() }

// UnknownKey records the problem of key, at keyNode, which is not among
// the keys names of the mapping at path, as the Decoder's own mappings
// do: with a "did you mean" when a name is close, and without key's text
// when the Decoder hides it ([Decoder.HideText]).
func (x *Decoder) UnknownKey(keyNode ast.Node, path, key string, names []string) {
	x.d.unknownKey(keyNode, path, key, names)
}
