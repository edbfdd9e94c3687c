package reviewer

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/aymanbagabas/go-udiff/lcs"
)

// ChangeType is how a pull request changed a file, as Azure DevOps reports it.
type ChangeType string

// The change types a [FileDiff] can have.
const (
	// ChangeAdd is a file that exists only on the new side.
	ChangeAdd ChangeType = "add"
	// ChangeEdit is a file whose content changed in place.
	ChangeEdit ChangeType = "edit"
	// ChangeDelete is a file that exists only on the old side.
	ChangeDelete ChangeType = "delete"
	// ChangeRename is a file that moved from OldPath to Path, possibly with
	// edits.
	ChangeRename ChangeType = "rename"
)

// LineKind says which side(s) of a diff a [Line] belongs to.
type LineKind int

// The kinds of diff lines.
const (
	// Context is an unchanged line, present on both sides.
	Context LineKind = iota
	// Added is a line present only on the new side (an added or changed line).
	Added
	// Deleted is a line present only on the old side.
	Deleted
)

// String returns "context", "added" or "deleted".
func (k LineKind) String() string {
	switch k {
	case Context:
		return "context"
	case Added:
		return "added"
	case Deleted:
		return "deleted"
	default:
		return fmt.Sprintf("LineKind(%d)", int(k))
	}
}

// prefix is the unified-diff prefix of the kind: ' ', '+' or '-'.
func (k LineKind) prefix() byte {
	switch k {
	case Added:
		return '+'
	case Deleted:
		return '-'
	default:
		return ' '
	}
}

// Line is one line of a [Hunk].
type Line struct {
	// Kind says whether the line is unchanged, added or deleted.
	Kind LineKind
	// Old is the 1-based line number on the old side; 0 for an Added line.
	Old int
	// New is the 1-based line number on the new side; 0 for a Deleted line.
	New int
	// Text is the line without its terminator: neither the "\n" nor the "\r"
	// of a CRLF ending is included.
	Text string
	// NoNewline is true for the last line of a file that does not end with a
	// newline (git's "\ No newline at end of file").
	NoNewline bool
}

// Hunk is a contiguous region of change with its surrounding context, as in
// a unified diff. A start is the 1-based number of the hunk's first line on
// that side; when the hunk has no line on that side (a count of 0) it is the
// number of the line after which the hunk applies, 0 for the start of the
// file, as in "@@ -0,0 +1,3 @@".
type Hunk struct {
	// OldStart is the first old-side line number of the hunk.
	OldStart int
	// OldLines is the number of Context and Deleted lines.
	OldLines int
	// NewStart is the first new-side line number of the hunk.
	NewStart int
	// NewLines is the number of Context and Added lines.
	NewLines int
	// Lines are the hunk's lines in unified-diff order: within each change
	// the deleted lines come before the added ones.
	Lines []Line
	// StartState is the lexical state at the hunk's first new-side line —
	// inside a block comment or a multi-line string opened above the hunk,
	// or code — for the languages the built-in rules' lexer knows; [Diff]
	// sets it, and the zero value means code.
	StartState LexState
}

// FileDiff is the diff of one file of a pull request.
type FileDiff struct {
	// Path is the file's path on the new side with a leading "/", as Azure
	// DevOps names it; for a delete it is the path of the deleted file.
	Path string
	// OldPath is the path on the old side, set for renames.
	OldPath string
	// Change is the kind of change.
	Change ChangeType
	// Binary is true when either side has a NUL byte in its first 8000 bytes.
	Binary bool
	// Skipped, when non-empty, says why the file was not diffed (see
	// [SkipBinary] and [DiffOptions.MaxFileBytes]); Hunks is then empty.
	Skipped string
	// Hunks are the changed regions in file order; empty when both sides are
	// equal (a pure rename) or when the file was skipped.
	Hunks []Hunk
}

// DiffOptions tunes [Diff]. The zero value gives the defaults.
type DiffOptions struct {
	// Context is the number of unchanged lines kept around each change:
	// 0 means [DefaultContext], a negative value means none.
	Context int
	// MaxFileBytes is the size above which a file is not diffed (either side
	// larger makes the file Skipped): 0 means [DefaultMaxFileBytes], a
	// negative value means no limit.
	MaxFileBytes int
}

// Defaults of [DiffOptions], and the [FileDiff.Skipped] reason of binary
// files.
const (
	// DefaultContext is the number of context lines around each change.
	DefaultContext = 3
	// DefaultMaxFileBytes is the largest file size that is diffed (1 MiB).
	DefaultMaxFileBytes = 1 << 20
	// SkipBinary is the [FileDiff.Skipped] reason for binary files.
	SkipBinary = "binary file"
	// SkipSubmodule is the [FileDiff.Skipped] reason for a submodule entry:
	// a commit of another repository, whose code that repository's reviews
	// see.
	SkipSubmodule = "submodule (a commit of another repository)"
	// SkipLFS is the [FileDiff.Skipped] reason for a Git LFS pointer: the
	// file's content is stored outside the repository, and the pointer is
	// not code.
	SkipLFS = "Git LFS pointer (the content is stored outside the repository)"
	// binarySniffLen is how many leading bytes are searched for a NUL, as git
	// does.
	binarySniffLen = 8000
)

func (o DiffOptions) context() int {
	switch {
	case o.Context < 0:
		return 0
	case o.Context == 0:
		return DefaultContext
	default:
		return o.Context
	}
}

func (o DiffOptions) maxFileBytes() int {
	switch {
	case o.MaxFileBytes < 0:
		return math.MaxInt
	case o.MaxFileBytes == 0:
		return DefaultMaxFileBytes
	default:
		return o.MaxFileBytes
	}
}

// Diff computes the hunks between two versions of a file: oldData is empty
// (or nil) for an add, newData is empty for a delete. path and oldPath get a leading
// "/" if they lack one. A binary file or one larger than opts.MaxFileBytes is
// returned with Skipped set and no hunks.
//
// Lines are compared including their terminators (see the package
// documentation). The diff is computed by go-udiff's LCS algorithm on the
// regions between lines that occur once on each side (see lineDiffs); it is
// minimal for small changes and always correct, but a region of more than 100
// lines without such an anchor and with many edits may be reported as
// replaced wholesale.
func Diff(path, oldPath string, change ChangeType, oldData, newData []byte, opts DiffOptions) FileDiff {
	d := FileDiff{Path: adoPath(path), OldPath: adoPath(oldPath), Change: change}
	if isBinary(oldData) || isBinary(newData) {
		d.Binary = true
		d.Skipped = SkipBinary
		return d
	}
	if isLFSPointer(oldData) || isLFSPointer(newData) {
		d.Skipped = SkipLFS
		return d
	}
	if limit := opts.maxFileBytes(); len(oldData) > limit || len(newData) > limit {
		d.Skipped = fmt.Sprintf("file larger than %d bytes", limit)
		return d
	}
	if bytes.Equal(oldData, newData) {
		return d
	}
	a, b := splitLines(string(oldData)), splitLines(string(newData))
	d.Hunks = buildHunks(a, b, lineDiffs(a, b), opts.context())
	if sx, ok := syntaxFor(d.Path); ok {
		setStartStates(&sx, b, d.Hunks)
	}
	return d
}

// AddedLines counts the added (or changed) lines of the diff.
func (d FileDiff) AddedLines() int {
	n := 0
	for _, h := range d.Hunks {
		for _, l := range h.Lines {
			if l.Kind == Added {
				n++
			}
		}
	}
	return n
}

// adoPath returns p with a leading "/" ("" stays "").
func adoPath(p string) string {
	if p == "" || strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

// isBinary reports whether data has a NUL byte in its first binarySniffLen
// bytes.
func isBinary(data []byte) bool {
	return bytes.IndexByte(data[:min(len(data), binarySniffLen)], 0) >= 0
}

// lfsPointerPrefixes start every Git LFS pointer file (Git LFS
// specification, v1 and the pre-release form).
var lfsPointerPrefixes = [][]byte{[]byte("version https://git-lfs.github.com/spec/"), []byte("version https://hawser.github.com/spec/")}

// isLFSPointer reports whether data is a Git LFS pointer: a small text
// starting with the pointer's version line (a pointer is under 200 bytes;
// the specification caps it at 1024).
func isLFSPointer(data []byte) bool {
	if len(data) > 1024 {
		return false
	}
	for _, p := range lfsPointerPrefixes {
		if bytes.HasPrefix(data, p) {
			return true
		}
	}
	return false
}

// splitLines splits s into lines that keep their "\n"; a final line without
// one is kept as is, and an empty s has no lines.
func splitLines(s string) []string {
	lines := make([]string, 0, strings.Count(s, "\n")+1)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

// newLine makes a [Line] from a raw line that may end with "\n" or "\r\n".
func newLine(kind LineKind, raw string, oldNo, newNo int) Line {
	text, nl := strings.CutSuffix(raw, "\n")
	if nl {
		text = strings.TrimSuffix(text, "\r")
	}
	return Line{Kind: kind, Old: oldNo, New: newNo, Text: text, NoNewline: !nl}
}

// buildHunks groups the LCS differences between the line slices a and b into
// hunks with ctx lines of context. Two changes share a hunk when at most
// 2*ctx unchanged lines separate them, as in git.
func buildHunks(a, b []string, diffs []lcs.Diff, ctx int) []Hunk {
	var hunks []Hunk
	for i := 0; i < len(diffs); {
		j := i
		for j+1 < len(diffs) && diffs[j+1].Start-diffs[j].End <= 2*ctx {
			j++
		}
		first, last := diffs[i], diffs[j]
		// Lines before the first and after the last difference are common,
		// so the new side is offset from the old one by a constant there.
		oldFrom := max(0, first.Start-ctx)
		newFrom := first.ReplStart - (first.Start - oldFrom)
		oldTo := min(len(a), last.End+ctx)
		newTo := last.ReplEnd + (oldTo - last.End)

		h := Hunk{
			OldLines: oldTo - oldFrom,
			NewLines: newTo - newFrom,
			Lines:    make([]Line, 0, (oldTo-oldFrom)+(last.ReplEnd-first.ReplStart)),
		}
		h.OldStart, h.NewStart = hunkStart(oldFrom, h.OldLines), hunkStart(newFrom, h.NewLines)
		o, n := oldFrom, newFrom
		for _, d := range diffs[i : j+1] {
			for ; o < d.Start; o, n = o+1, n+1 {
				h.Lines = append(h.Lines, newLine(Context, a[o], o+1, n+1))
			}
			for ; o < d.End; o++ {
				h.Lines = append(h.Lines, newLine(Deleted, a[o], o+1, 0))
			}
			for ; n < d.ReplEnd; n++ {
				h.Lines = append(h.Lines, newLine(Added, b[n], 0, n+1))
			}
		}
		for ; o < oldTo; o, n = o+1, n+1 {
			h.Lines = append(h.Lines, newLine(Context, a[o], o+1, n+1))
		}
		hunks = append(hunks, h)
		i = j + 1
	}
	return hunks
}

// setStartStates lexes the new side's lines b, once and only up to the last
// hunk, to record each hunk's [Hunk.StartState].
func setStartStates(sx *syntax, b []string, hunks []Hunk) {
	var st LexState
	next := 0 // index in b of the next line to lex
	for i := range hunks {
		h := &hunks[i]
		first := h.NewStart - 1 // index of the hunk's first new-side line
		if h.NewLines == 0 {
			first = h.NewStart
		}
		for ; next < first && next < len(b); next++ {
			st = sx.lex(strings.TrimSuffix(strings.TrimSuffix(b[next], "\n"), "\r"), st, nil)
		}
		h.StartState = st
	}
}

// hunkStart converts a 0-based first index into a unified-diff start.
func hunkStart(from, count int) int {
	if count == 0 {
		return from
	}
	return from + 1
}

// Unified renders the diff in unified format ("--- a/…", "+++ b/…", "@@"
// headers, "\ No newline at end of file" markers), for logs and for reviewers
// that work on diff text. It returns "" when there are no hunks. Line endings
// are always "\n".
func (d FileDiff) Unified() string {
	if len(d.Hunks) == 0 {
		return ""
	}
	from, to := "a"+d.Path, "b"+d.Path
	if d.OldPath != "" {
		from = "a" + d.OldPath
	}
	switch d.Change {
	case ChangeAdd:
		from = "/dev/null"
	case ChangeDelete:
		to = "/dev/null"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", from, to)
	for _, h := range d.Hunks {
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(h.OldStart, h.OldLines), hunkRange(h.NewStart, h.NewLines))
		for _, l := range h.Lines {
			sb.WriteByte(l.Kind.prefix())
			sb.WriteString(l.Text)
			sb.WriteByte('\n')
			if l.NoNewline {
				sb.WriteString("\\ No newline at end of file\n")
			}
		}
	}
	return sb.String()
}

// hunkRange formats one side of a hunk header, omitting a count of 1 as git
// does.
func hunkRange(start, count int) string {
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}
