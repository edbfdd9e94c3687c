package reviewer_test

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// readFixture reads testdata/diff/NAME; a missing file is empty content.
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "diff", name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	return data
}

// TestDiffGolden diffs each testdata/diff/NAME.old, NAME.new pair (a missing
// side is empty) and compares every line number, and the unified rendering,
// with NAME[.VARIANT].golden. Run with -update to rewrite the golden files.
func TestDiffGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string // fixture pair
		golden  string // golden file, default name
		path    string
		oldPath string
		change  reviewer.ChangeType
		opts    reviewer.DiffOptions
	}{
		{name: "add", path: "/src/main.go", change: reviewer.ChangeAdd},
		{name: "delete", path: "/docs/numbers.txt", change: reviewer.ChangeDelete},
		{name: "edit", path: "/src/lines.txt", change: reviewer.ChangeEdit},
		{name: "edit", golden: "edit.context0", path: "/src/lines.txt", change: reviewer.ChangeEdit, opts: reviewer.DiffOptions{Context: -1}},
		{name: "edit", golden: "edit.context1", path: "/src/lines.txt", change: reviewer.ChangeEdit, opts: reviewer.DiffOptions{Context: 1}},
		{name: "rename", path: "docs/new-name.md", oldPath: "docs/old-name.md", change: reviewer.ChangeRename},
		{name: "append-no-eol", path: "/a.txt", change: reviewer.ChangeEdit},
		{name: "no-eol-both", path: "/b.txt", change: reviewer.ChangeEdit},
		{name: "drop-eol", path: "/c.txt", change: reviewer.ChangeEdit},
		{name: "crlf", path: "/win.txt", change: reviewer.ChangeEdit},
		{name: "utf8", path: "/i18n.txt", change: reviewer.ChangeEdit},
	}
	for _, tt := range tests {
		golden := tt.golden
		if golden == "" {
			golden = tt.name
		}
		t.Run(golden, func(t *testing.T) {
			t.Parallel()
			oldData, newData := readFixture(t, tt.name+".old"), readFixture(t, tt.name+".new")
			d := reviewer.Diff(tt.path, tt.oldPath, tt.change, oldData, newData, tt.opts)
			checkDiff(t, string(oldData), string(newData), d)
			got := renderDiff(d) + "-- unified --\n" + d.Unified()
			path := filepath.Join("testdata", "diff", golden+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(want), got)
		})
	}
}

// TestDiffNumbers pins the line numbers of the basic changes, independently
// of the golden files.
func TestDiffNumbers(t *testing.T) {
	t.Parallel()
	type ln struct {
		kind     reviewer.LineKind
		old, new int
		text     string
	}
	tests := []struct {
		name     string
		change   reviewer.ChangeType
		old, new string
		opts     reviewer.DiffOptions
		headers  [][4]int // OldStart, OldLines, NewStart, NewLines per hunk
		lines    []ln     // all hunks' lines, in order
	}{
		{
			name: "add", change: reviewer.ChangeAdd, new: "a\nb\n",
			headers: [][4]int{{0, 0, 1, 2}},
			lines:   []ln{{reviewer.Added, 0, 1, "a"}, {reviewer.Added, 0, 2, "b"}},
		},
		{
			name: "delete", change: reviewer.ChangeDelete, old: "a\nb\n",
			headers: [][4]int{{1, 2, 0, 0}},
			lines:   []ln{{reviewer.Deleted, 1, 0, "a"}, {reviewer.Deleted, 2, 0, "b"}},
		},
		{
			name: "insert without context", change: reviewer.ChangeEdit,
			old: "1\n2\n3\n4\n5\n", new: "1\n2\n3\n4\n5\nx\ny\n", opts: reviewer.DiffOptions{Context: -1},
			headers: [][4]int{{5, 0, 6, 2}},
			lines:   []ln{{reviewer.Added, 0, 6, "x"}, {reviewer.Added, 0, 7, "y"}},
		},
		{
			name: "delete without context", change: reviewer.ChangeEdit,
			old: "1\n2\n3\n", new: "1\n3\n", opts: reviewer.DiffOptions{Context: -1},
			headers: [][4]int{{2, 1, 1, 0}},
			lines:   []ln{{reviewer.Deleted, 2, 0, "2"}},
		},
		{
			name: "edit shifts numbers", change: reviewer.ChangeEdit,
			old: "a\nb\nc\n", new: "new\na\nB\nc\n", opts: reviewer.DiffOptions{Context: 1},
			headers: [][4]int{{1, 3, 1, 4}},
			lines: []ln{
				{reviewer.Added, 0, 1, "new"}, {reviewer.Context, 1, 2, "a"},
				{reviewer.Deleted, 2, 0, "b"}, {reviewer.Added, 0, 3, "B"}, {reviewer.Context, 3, 4, "c"},
			},
		},
		{
			name: "crlf text without carriage return", change: reviewer.ChangeEdit,
			old: "a\r\nb\r\n", new: "a\r\nc\r\n",
			headers: [][4]int{{1, 2, 1, 2}},
			lines:   []ln{{reviewer.Context, 1, 1, "a"}, {reviewer.Deleted, 2, 0, "b"}, {reviewer.Added, 0, 2, "c"}},
		},
		{
			name: "line ending change is a change", change: reviewer.ChangeEdit,
			old: "a\nb\n", new: "a\r\nb\n", opts: reviewer.DiffOptions{Context: -1},
			headers: [][4]int{{1, 1, 1, 1}},
			lines:   []ln{{reviewer.Deleted, 1, 0, "a"}, {reviewer.Added, 0, 1, "a"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := reviewer.Diff("/f.txt", "", tt.change, []byte(tt.old), []byte(tt.new), tt.opts)
			checkDiff(t, tt.old, tt.new, d)
			var headers [][4]int
			var lines []ln
			for _, h := range d.Hunks {
				headers = append(headers, [4]int{h.OldStart, h.OldLines, h.NewStart, h.NewLines})
				for _, l := range h.Lines {
					lines = append(lines, ln{l.Kind, l.Old, l.New, l.Text})
				}
			}
			require.Equal(t, tt.headers, headers)
			require.Equal(t, tt.lines, lines)
		})
	}
}

// TestDiffSkipped covers binary and oversized files, and the limits of both
// checks.
func TestDiffSkipped(t *testing.T) {
	t.Parallel()
	text := []byte("hello\n")
	nulLate := append(bytes.Repeat([]byte("x"), 8000), 0)
	nulEarly := append(bytes.Repeat([]byte("x"), 7999), 0)
	big := bytes.Repeat([]byte("0123456789abcde\n"), 1<<16+1) // 1 MiB + 16 bytes
	lfs := []byte("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")
	tests := []struct {
		name        string
		old, new    []byte
		opts        reviewer.DiffOptions
		wantBinary  bool
		wantSkipped string
	}{
		{name: "binary new side", old: text, new: []byte("PNG\x00\x01"), wantBinary: true, wantSkipped: reviewer.SkipBinary},
		{name: "binary old side", old: []byte{0}, new: text, wantBinary: true, wantSkipped: reviewer.SkipBinary},
		{name: "NUL at byte 8000", old: nulEarly, new: text, wantBinary: true, wantSkipped: reviewer.SkipBinary},
		{name: "NUL after byte 8000 is text", old: nulLate, new: text},
		{name: "new side too large", old: text, new: big, wantSkipped: "file larger than 1048576 bytes"},
		{name: "old side too large", old: big, new: text, wantSkipped: "file larger than 1048576 bytes"},
		{name: "custom limit", old: text, new: []byte("0123456789a\n"), opts: reviewer.DiffOptions{MaxFileBytes: 10}, wantSkipped: "file larger than 10 bytes"},
		{name: "exactly at the limit", old: text, new: []byte("012345678\n"), opts: reviewer.DiffOptions{MaxFileBytes: 10}},
		{name: "no limit", old: text, new: big, opts: reviewer.DiffOptions{MaxFileBytes: -1}},
		{name: "Git LFS pointer", old: nil, new: lfs, wantSkipped: reviewer.SkipLFS},
		{name: "Git LFS pointer replaced", old: lfs, new: []byte(strings.Replace(string(lfs), "4d7a", "9b1c", 1)), wantSkipped: reviewer.SkipLFS},
		{name: "a file that quotes a pointer line", old: text, new: append([]byte("# How LFS works\n"), lfs...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := reviewer.Diff("/f", "", reviewer.ChangeEdit, tt.old, tt.new, tt.opts)
			require.Equal(t, tt.wantBinary, d.Binary)
			require.Equal(t, tt.wantSkipped, d.Skipped)
			if tt.wantSkipped != "" {
				require.Empty(t, d.Hunks)
				require.Empty(t, d.Unified())
			} else {
				require.NotEmpty(t, d.Hunks)
			}
		})
	}
}

// TestDiffEqual: identical sides (a pure rename, an empty add) have no
// hunks, and paths get their leading slash.
func TestDiffEqual(t *testing.T) {
	t.Parallel()
	d := reviewer.Diff("b.go", "a.go", reviewer.ChangeRename, []byte("x\n"), []byte("x\n"), reviewer.DiffOptions{})
	require.Equal(t, reviewer.FileDiff{Path: "/b.go", OldPath: "/a.go", Change: reviewer.ChangeRename}, d)
	d = reviewer.Diff("/empty", "", reviewer.ChangeAdd, nil, []byte{}, reviewer.DiffOptions{})
	require.Empty(t, d.Hunks)
	require.Empty(t, d.Unified())
}

// TestDiffRandom checks the invariants of checkDiff on random edits of
// random files, with several context sizes.
func TestDiffRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d", "{", "}", "", "return nil"}
	text := func(lines []string, eol bool) string {
		s := strings.Join(lines, "\n")
		if eol && len(lines) > 0 {
			s += "\n"
		}
		return s
	}
	for i := range 500 {
		var oldLines []string
		for range rng.IntN(40) {
			oldLines = append(oldLines, words[rng.IntN(len(words))])
		}
		newLines := append([]string(nil), oldLines...)
		for range rng.IntN(8) {
			pos := rng.IntN(len(newLines) + 1)
			switch rng.IntN(3) {
			case 0:
				newLines = append(newLines[:pos], append([]string{words[rng.IntN(len(words))]}, newLines[pos:]...)...)
			case 1:
				if pos < len(newLines) {
					newLines = append(newLines[:pos], newLines[pos+1:]...)
				}
			default:
				if pos < len(newLines) {
					newLines[pos] = words[rng.IntN(len(words))] + "!"
				}
			}
		}
		oldText, newText := text(oldLines, rng.IntN(4) > 0), text(newLines, rng.IntN(4) > 0)
		for _, ctx := range []int{-1, 1, 3, 5} {
			d := reviewer.Diff("/r", "", reviewer.ChangeEdit, []byte(oldText), []byte(newText), reviewer.DiffOptions{Context: ctx})
			t.Run("", func(t *testing.T) {
				checkDiff(t, oldText, newText, d)
			})
			if t.Failed() {
				t.Fatalf("case %d context %d: old %q new %q", i, ctx, oldText, newText)
			}
		}
	}
}

// TestUnifiedMarksMissingNewline checks the unified rendering of a file
// whose last line loses its newline.
func TestUnifiedMarksMissingNewline(t *testing.T) {
	t.Parallel()
	d := reviewer.Diff("/f", "", reviewer.ChangeEdit, []byte("a\nb\n"), []byte("a\nb"), reviewer.DiffOptions{})
	require.Equal(t, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n", d.Unified())
}

// lcsLen is the length of a longest common subsequence of a and b.
func lcsLen(a, b []string) int {
	prev, cur := make([]int, len(b)+1), make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// addedCount counts a diff's added lines.
func addedCount(d reviewer.FileDiff) int {
	n := 0
	for _, h := range d.Hunks {
		for _, l := range h.Lines {
			if l.Kind == reviewer.Added {
				n++
			}
		}
	}
	return n
}

// TestDiffMinimal: on small inputs the diff is minimal, so no unchanged line
// is reported as added.
func TestDiffMinimal(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		var a, b []string
		for range rng.IntN(50) {
			a = append(a, string(rune('a'+rng.IntN(6))))
		}
		for range rng.IntN(50) {
			b = append(b, string(rune('a'+rng.IntN(6))))
		}
		oldText, newText := strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n"
		if len(b) == 0 {
			newText = ""
		}
		if len(a) == 0 {
			oldText = ""
		}
		d := reviewer.Diff("/m", "", reviewer.ChangeEdit, []byte(oldText), []byte(newText), reviewer.DiffOptions{})
		checkDiff(t, oldText, newText, d)
		require.Equal(t, len(b)-lcsLen(a, b), addedCount(d), "old %q new %q", a, b)
	}
}

// TestDiffLargeScattered: a large file with hundreds of scattered edits,
// far beyond the edit budget of one go-udiff search, reports exactly the
// changed lines.
func TestDiffLargeScattered(t *testing.T) {
	t.Parallel()
	var oldText, newText strings.Builder
	changed := 0
	for i := range 5000 {
		line := "func f" + strconv.Itoa(i) + "() {}\n"
		oldText.WriteString(line)
		switch {
		case i%7 == 0:
			newText.WriteString("func g" + strconv.Itoa(i) + "() {}\n")
			changed++
		case i%11 == 0:
			newText.WriteString(line + "}\n") // repeated lines are not anchors
			changed++
		default:
			newText.WriteString(line)
		}
	}
	d := reviewer.Diff("/big.go", "", reviewer.ChangeEdit, []byte(oldText.String()), []byte(newText.String()), reviewer.DiffOptions{})
	checkDiff(t, oldText.String(), newText.String(), d)
	require.Equal(t, changed, addedCount(d))
}
