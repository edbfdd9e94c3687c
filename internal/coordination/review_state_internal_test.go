package coordination

import (
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestThreadIndexKeepsAnyPath: a path or severity holding what separates
// the index's fields and lines (tabs, line breaks, quotes, backslashes,
// bytes that are not UTF-8) reads back as written.
func TestThreadIndexKeepsAnyPath(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/a.js", "/a\tb.js", "/a\nb.js", `"/quoted".js`, `/back\slash`, "/é ü/日本.go", "", "/\r", "\x94"} {
		in := []IndexedThread{{Fingerprint: "f#2", ID: 7, Path: path, Severity: "warn\ting", Open: true}, {Fingerprint: "g", ID: 8}}
		out, err := decodeIndex(string(encodeIndex(nil, in, nil)))
		require.NoError(t, err)
		require.Equal(t, in, out.threads, "%q", path)
	}
}

// FuzzThreadIndex: whatever the fields, the index reads back as written.
func FuzzThreadIndex(f *testing.F) {
	f.Add("0808580e022e48067160eeb1ded19ca2#2", 12, "/src/app.js", "warning", true, false, false)
	f.Add("f", 0, "/a\tb\n\"c", "\"", false, false, false)
	f.Add("\x94", -3, "0", "0", false, false, false)
	f.Add("e", 4, "", "error", false, true, false)
	f.Add("w", 5, "", "warning", false, false, true)
	f.Fuzz(func(t *testing.T, fp string, id int, path, severity string, open, fixed, dismissed bool) {
		in := []IndexedThread{{Fingerprint: fp, ID: id, Path: path, Severity: severity, Open: open,
			Fixed: fixed && !open, Dismissed: dismissed && !open && !fixed}}
		out, err := decodeIndex(string(encodeIndex(nil, in, nil)))
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		if len(out.threads) != 1 || out.threads[0] != in[0] {
			t.Fatalf("wrote %+v, read %+v", in, out.threads)
		}
	})
}

// TestIndexKeepsLinesAsStored: an index saved after a load copies the
// lines of the entries left as they were, and reads back as the entries
// saved whatever was removed, changed, moved or added, and however the
// stored text was written (a last line without its line break, a field
// quoted that need not be).
func TestIndexKeepsLinesAsStored(t *testing.T) {
	t.Parallel()
	many := make([]IndexedThread, 100)
	for i := range many {
		many[i] = IndexedThread{Fingerprint: string(rune('a'+i%26)) + strconv.Itoa(i), ID: i + 1, Path: "/f" + strconv.Itoa(i%7), Severity: "warning", Open: i%3 == 0}
	}
	stored := string(encodeIndex(nil, many, nil))
	cases := []struct {
		name string
		text string
		edit func([]IndexedThread) []IndexedThread
	}{
		{"unchanged", stored, func(s []IndexedThread) []IndexedThread { return s }},
		{"none left", stored, func([]IndexedThread) []IndexedThread { return nil }},
		{"first read, changed, last", stored, func(s []IndexedThread) []IndexedThread {
			first := s[0]
			first.Open = !first.Open
			return append(slices.Clone(s[1:]), first)
		}},
		{"some read, one new", stored, func(s []IndexedThread) []IndexedThread {
			out := slices.Concat(s[:3], s[4:50], s[52:])
			return append(out, s[3], s[50], IndexedThread{Fingerprint: "new", ID: 500, Path: "/n\tew", Severity: "error", Open: true})
		}},
		{"more read in a row than the look-ahead", stored, func(s []IndexedThread) []IndexedThread {
			return append(slices.Concat(s[:10], s[10+storedLookahead+5:]), s[10:10+storedLookahead+5]...)
		}},
		{"moved ahead", stored, func(s []IndexedThread) []IndexedThread {
			return slices.Concat(s[90:], s[:90])
		}},
		{"reversed", stored, func(s []IndexedThread) []IndexedThread {
			s = slices.Clone(s)
			slices.Reverse(s)
			return s
		}},
		{"twice", stored, func(s []IndexedThread) []IndexedThread { return slices.Concat(s, s) }},
		{"last line without its break", "f\t1\t1\twarning\t/a\ng\t2\t0\terror\t/b",
			func(s []IndexedThread) []IndexedThread {
				return append(slices.Clone(s), IndexedThread{Fingerprint: "h", ID: 3})
			}},
		{"quoted that need not be", "\"f\"\t1\t1\t\"warning\"\t/a\n", func(s []IndexedThread) []IndexedThread { return s }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			from, err := decodeIndex(tc.text)
			require.NoError(t, err)
			want := tc.edit(from.threads)
			text := string(encodeIndex(nil, want, from))
			got, err := decodeIndex(text)
			require.NoError(t, err)
			if len(want) == 0 {
				require.Empty(t, got.threads)
				return
			}
			require.Equal(t, want, got.threads)
			require.Equal(t, text, string(encodeIndex(nil, want, got)), "saved again unchanged: the same text")
			if tc.name == "unchanged" || tc.name == "quoted that need not be" {
				require.Equal(t, tc.text, text, "the lines as stored")
			}
		})
	}
}

// FuzzIndexKeepsLinesAsStored: whatever the stored index and whatever a
// review keeps, drops, changes or moves of it (script: a byte per entry),
// the index saved from it reads back as the entries saved.
func FuzzIndexKeepsLinesAsStored(f *testing.F) {
	f.Add("f\t1\t1\twarning\t/a\ng\t2\t0\terror\t/b\nh\t3\t1\twarning\t/c\n", []byte{0, 1, 2, 3})
	f.Add("\"f\"\t1\t1\t\"w\"\t/a\ng\t2\t0\terror\t\"/b\\tc\"", []byte{2, 2})
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, text string, script []byte) {
		from, err := decodeIndex(text)
		if err != nil {
			return
		}
		var keep, moved []IndexedThread
		for i, e := range from.threads {
			op := byte(0)
			if i < len(script) {
				op = script[i] % 4
			}
			switch op {
			case 0:
				keep = append(keep, e)
			case 2:
				moved = append(moved, e)
			case 3:
				e.Open = !e.Open
				moved = append(moved, e)
			}
		}
		want := slices.Concat(keep, moved)
		got, err := decodeIndex(string(encodeIndex(nil, want, from)))
		if err != nil {
			t.Fatalf("saved index unreadable: %v", err)
		}
		if !slices.Equal(want, got.threads) {
			t.Fatalf("saved %+v, read %+v", want, got.threads)
		}
	})
}
