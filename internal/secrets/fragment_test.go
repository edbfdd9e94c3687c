package secrets

import (
	"strings"
	"testing"
)

// textOf builds a text from data, each byte one or more lines: below 128,
// that many lines of one byte times ten; from 128, one line of (b-128)*700
// bytes, up to some 89 KB; 0x7f ends the run.
func textOf(data []byte) *text {
	var t text
	no := 1
	for _, b := range data {
		switch {
		case b == 0x7f:
			no += 2
		case b < 128:
			for range int(b) * 10 {
				t.add(no, "y", false)
				no++
			}
		default:
			t.add(no, strings.Repeat("x", int(b-128)*700), false)
			no++
		}
	}
	return &t
}

// FuzzFragments: the fragments handed to the detector are bounded, cover
// every line, and hold whole every stretch of lines (and every part of a
// long line) of up to the overlap's size, so that no match of that size is
// lost at a cut.
func FuzzFragments(f *testing.F) {
	f.Add([]byte{1, 200, 3})
	f.Add([]byte{110, 0x7f, 110, 255, 255, 2})
	f.Add([]byte{150, 150, 150, 150, 150, 150, 150, 150, 150, 150})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 32 {
			return
		}
		tx := textOf(data)
		frs := tx.fragments()
		s := tx.b.String()
		long := func(i int) bool { return tx.lines[i].end-tx.lines[i].start > overlapBytes }
		pieces := make([][]fragment, len(tx.lines))
		covered := make([]bool, len(tx.lines))
		for _, fr := range frs {
			if fr.first > fr.last || fr.last >= len(tx.lines) {
				t.Fatalf("fragment of lines %d-%d of %d", fr.first, fr.last, len(tx.lines))
			}
			for i := fr.first; i <= fr.last; i++ {
				covered[i] = true
			}
			if long(fr.first) {
				if fr.first != fr.last || len(fr.raw) > pieceBytes {
					t.Fatalf("piece of lines %d-%d, %d bytes", fr.first, fr.last, len(fr.raw))
				}
				pieces[fr.first] = append(pieces[fr.first], fr)
				continue
			}
			if len(fr.raw) > fragmentBytes || fr.last-fr.first+1 > fragmentLines ||
				fr.at != tx.lines[fr.first].start || fr.raw != s[fr.at:tx.lines[fr.last].end+1] {
				t.Fatalf("fragment of lines %d-%d: %d bytes", fr.first, fr.last, len(fr.raw))
			}
		}
		for i, c := range covered {
			if !c {
				t.Fatalf("line %d is in no fragment", i)
			}
		}
		for i, ps := range pieces {
			if !long(i) {
				continue
			}
			l := tx.lines[i]
			at := l.start
			for k, p := range ps {
				start := p.at
				if k == 0 && start != l.start || k > 0 && at-start < min(overlapBytes, at-l.start) {
					t.Fatalf("line %d: piece %d starts at %d, the previous ended at %d", i, k, start, at)
				}
				at = start + len(p.raw)
			}
			if at != l.end {
				t.Fatalf("line %d: its pieces end at %d, not %d", i, at, l.end)
			}
		}
		// The longest stretch of short lines from each line within the
		// overlap is whole in one fragment.
		for i := range tx.lines {
			j := i
			for j+1 < len(tx.lines) && !long(j+1) && j+1-i+1 <= overlapLines && tx.lines[j+1].end+1-tx.lines[i].start <= overlapBytes {
				j++
			}
			if long(i) {
				continue
			}
			whole := false
			for _, fr := range frs {
				if !long(fr.first) && fr.first <= i && j <= fr.last {
					whole = true
					break
				}
			}
			if !whole {
				t.Fatalf("lines %d-%d are in no one fragment", i, j)
			}
		}
	})
}
