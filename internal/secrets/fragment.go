package secrets

import "strings"

// The detector's work on one text grows faster than its length: it finds
// the line of each match by walking every line of the text, compares each
// generic finding with every other finding, and tests some allow-lists
// against the whole line of each finding. A pull request controls the text,
// so the scanner hands the detector bounded fragments of it instead: at
// most fragmentLines lines and fragmentBytes bytes, each starting
// overlapLines lines or overlapBytes bytes (whichever is fewer) before the
// previous one ended, so that every match of up to that size — a private
// key of 8192 bits is some 6.5 KB and 100 lines — lies whole in one. A
// line longer than overlapBytes is a fragment of its own, or several:
// pieces of pieceBytes starting every pieceBytes-overlapBytes bytes, so
// that a value of up to overlapBytes on it lies whole in one piece.
const (
	fragmentLines = 1024
	fragmentBytes = 64 << 10
	overlapLines  = 256
	overlapBytes  = 16 << 10
	pieceBytes    = 64 << 10
)

// text is the added lines of a file, joined for the detector.
type text struct {
	b     strings.Builder
	lines []textLine
}

// textLine is one line of a text: an added line, or (no 0) the empty line
// that ends a run. start and end are its offsets in the text, without its
// "\n".
type textLine struct {
	no         int
	quiet      bool
	start, end int
}

// add appends new-side line no to t, first closing the current run when no
// does not follow its last line. Every line ends with "\n": gitleaks takes
// the whole text for the line of a match on an unterminated last line.
func (t *text) add(no int, line string, quiet bool) {
	if n := len(t.lines); n > 0 && t.lines[n-1].no != no-1 {
		t.lines = append(t.lines, textLine{start: t.b.Len(), end: t.b.Len()})
		t.b.WriteByte('\n')
	}
	start := t.b.Len()
	t.b.WriteString(line)
	t.lines = append(t.lines, textLine{no: no, quiet: quiet, start: start, end: t.b.Len()})
	t.b.WriteByte('\n')
}

// fragment is a part of a text handed to the detector: raw, from offset at
// of the text, holds lines first to last of the text, or a piece of line
// first (= last).
type fragment struct {
	raw         string
	at          int
	first, last int
}

// line returns the index in the text of the 0-based line n of f, as the
// detector counts.
func (f fragment) line(n int) int { return min(max(f.first+n, f.first), f.last) }

// fragments cuts t into the fragments the detector scans (see
// fragmentBytes).
func (t *text) fragments() []fragment {
	s := t.b.String()
	var out []fragment
	for i := 0; i < len(t.lines); {
		if l := t.lines[i]; l.end-l.start > overlapBytes {
			for at := l.start; ; at += pieceBytes - overlapBytes {
				end := min(at+pieceBytes, l.end)
				out = append(out, fragment{raw: s[at:end], at: at, first: i, last: i})
				if end == l.end {
					break
				}
			}
			i++
			continue
		}
		// Lines i to j-1, short ones only.
		j := i
		for j < len(t.lines) && j-i < fragmentLines {
			l := t.lines[j]
			if l.end-l.start > overlapBytes || l.end+1-t.lines[i].start > fragmentBytes {
				break
			}
			j++
		}
		out = append(out, fragment{raw: s[t.lines[i].start : t.lines[j-1].end+1], at: t.lines[i].start, first: i, last: j - 1})
		if j == len(t.lines) {
			break
		}
		// The next fragment repeats the last lines of this one, unless a
		// long line ends it.
		next := j
		if l := t.lines[j]; l.end-l.start <= overlapBytes {
			for next > i+1 && j-(next-1) <= overlapLines && t.lines[j-1].end+1-t.lines[next-1].start <= overlapBytes {
				next--
			}
		}
		i = next
	}
	return out
}

// span maps the text lines from..to of a detector finding to indexes of
// t.lines, cut at the end of the run where it starts, since the lines
// between runs are not part of the pull request's change.
func (t *text) span(from, to int) (int, int, bool) {
	for from < len(t.lines) && t.lines[from].no == 0 {
		from++
	}
	if from >= len(t.lines) {
		return 0, 0, false
	}
	to = min(max(to, from), len(t.lines)-1)
	for i := from + 1; i <= to; i++ {
		if t.lines[i].no == 0 {
			return from, i - 1, true
		}
	}
	return from, to, true
}
