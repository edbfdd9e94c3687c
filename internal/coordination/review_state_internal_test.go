package coordination

import (
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
		out, err := decodeIndex(string(encodeIndex(nil, in)))
		require.NoError(t, err)
		require.Equal(t, in, out, "%q", path)
	}
}

// FuzzThreadIndex: whatever the fields, the index reads back as written.
func FuzzThreadIndex(f *testing.F) {
	f.Add("0808580e022e48067160eeb1ded19ca2#2", 12, "/src/app.js", "warning", true)
	f.Add("f", 0, "/a\tb\n\"c", "\"", false)
	f.Add("\x94", -3, "0", "0", false)
	f.Fuzz(func(t *testing.T, fp string, id int, path, severity string, open bool) {
		in := []IndexedThread{{Fingerprint: fp, ID: id, Path: path, Severity: severity, Open: open}}
		out, err := decodeIndex(string(encodeIndex(nil, in)))
		if err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
		if len(out) != 1 || out[0] != in[0] {
			t.Fatalf("wrote %+v, read %+v", in, out)
		}
	})
}
