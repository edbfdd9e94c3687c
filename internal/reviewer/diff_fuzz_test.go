package reviewer_test

import (
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// FuzzDiff diffs arbitrary pairs of files: no panic, and the hunks are
// consistent with both files — every line's numbers follow from its hunk's
// start and kind, the counts match, hunks are ordered without overlap, each
// line's text is the text of the line it numbers, and applying the hunks to
// the old file gives the new one.
func FuzzDiff(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("a\nB\nc\nd\n"), int8(0))
	f.Add([]byte(""), []byte("x\r\ny"), int8(1))
	f.Add([]byte("x\ny\n"), []byte(""), int8(-1))
	f.Add([]byte("same\n"), []byte("same"), int8(2))
	f.Add([]byte("a\r\nb\rc\n\n\n"), []byte("\n\na\r\nc\n"), int8(5))
	f.Add([]byte("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"), []byte("1\n2\nX\n4\n5\n6\n7\n8\nY\n10\n"), int8(1))
	f.Fuzz(func(t *testing.T, oldData, newData []byte, context int8) {
		d := reviewer.Diff("f.txt", "", reviewer.ChangeEdit, oldData, newData, reviewer.DiffOptions{Context: int(context)})
		if d.Skipped != "" {
			if len(d.Hunks) > 0 {
				t.Fatalf("skipped (%s) with hunks", d.Skipped)
			}
			return
		}
		oldLines, newLines := lines(oldData), lines(newData)
		var rebuilt []string
		nextOld := 1 // first old line not yet copied or consumed
		for i, h := range d.Hunks {
			if len(h.Lines) == 0 {
				t.Fatalf("hunk %d is empty", i)
			}
			// o and n are the first old and new line numbers of the hunk; a
			// hunk without old lines inserts after old line OldStart.
			o, n := h.OldStart+1, h.NewStart
			for _, l := range h.Lines {
				if l.Kind != reviewer.Added {
					if l.Old != h.OldStart {
						t.Fatalf("hunk %d starts at old line %d, its first old line is %d", i, h.OldStart, l.Old)
					}
					o = l.Old
					break
				}
			}
			for _, l := range h.Lines {
				if l.Kind != reviewer.Deleted {
					if l.New != h.NewStart {
						t.Fatalf("hunk %d starts at new line %d, its first new line is %d", i, h.NewStart, l.New)
					}
					break
				}
			}
			if o < nextOld {
				t.Fatalf("hunk %d overlaps the previous one (old line %d < %d)", i, o, nextOld)
			}
			for ; nextOld < o && nextOld <= len(oldLines); nextOld++ {
				rebuilt = append(rebuilt, oldLines[nextOld-1])
			}
			var oldCount, newCount int
			for j, l := range h.Lines {
				switch l.Kind {
				case reviewer.Context, reviewer.Deleted:
					if l.Old != o || l.Old < 1 || l.Old > len(oldLines) || oldLines[l.Old-1] != l.Text {
						t.Fatalf("hunk %d line %d: old number %d, want %d (of %d), text %q", i, j, l.Old, o, len(oldLines), l.Text)
					}
					o++
					oldCount++
					nextOld = o
				}
				switch l.Kind {
				case reviewer.Context, reviewer.Added:
					if l.New != n || l.New < 1 || l.New > len(newLines) || newLines[l.New-1] != l.Text {
						t.Fatalf("hunk %d line %d: new number %d, want %d (of %d), text %q", i, j, l.New, n, len(newLines), l.Text)
					}
					n++
					newCount++
					rebuilt = append(rebuilt, l.Text)
				}
				if l.Kind == reviewer.Added && l.Old != 0 || l.Kind == reviewer.Deleted && l.New != 0 {
					t.Fatalf("hunk %d line %d: %v line with numbers -%d +%d", i, j, l.Kind, l.Old, l.New)
				}
			}
			if oldCount != h.OldLines || newCount != h.NewLines {
				t.Fatalf("hunk %d counts -%d +%d, has -%d +%d", i, h.OldLines, h.NewLines, oldCount, newCount)
			}
		}
		for ; nextOld <= len(oldLines); nextOld++ {
			rebuilt = append(rebuilt, oldLines[nextOld-1])
		}
		if strings.Join(rebuilt, "\n") != strings.Join(newLines, "\n") {
			t.Fatalf("applying the hunks to the old file does not give the new one:\nold %q\nnew %q\ngot %q", oldLines, newLines, rebuilt)
		}
	})
}

// lines splits a file as the diff numbers it: on "\n", without the
// terminator and the "\r" of a CRLF ending, no line after a final "\n".
func lines(data []byte) []string {
	s := string(data)
	if s == "" {
		return nil
	}
	terminated := strings.HasSuffix(s, "\n")
	out := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range out {
		if i < len(out)-1 || terminated {
			out[i] = strings.TrimSuffix(l, "\r")
		}
	}
	return out
}
