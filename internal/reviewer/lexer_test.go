package reviewer

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// updateViews rewrites the testdata/lexer fixtures' views instead of
// comparing with them.
var updateViews = flag.Bool("update-views", false, "rewrite the code views of testdata/lexer")

// renderView shows the code view of a file's text, lexed line by line from
// the first line's state: a byte the lexer blanked is "~" (a blanked space
// stays a space), and trailing spaces are trimmed.
func renderView(sx *syntax, text string) string {
	var sb strings.Builder
	var st LexState
	var view []byte
	for line := range strings.Lines(text) {
		line = strings.TrimSuffix(line, "\n")
		view, st = sx.codeView(view, line, st)
		out := []byte(line)
		for i := range out {
			if view[i] != line[i] {
				out[i] = '~'
			}
		}
		sb.WriteString(strings.TrimRight(string(out), " "))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// TestCodeView lexes every file of the testdata/lexer fixtures and compares
// its code view with the file's ".view" section (go test -update-views rewrites
// them).
func TestCodeView(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join("testdata", "lexer", "*.txt"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			comment, sections := readLexFixture(t, path)
			views := map[string]string{}
			var order []string
			for _, s := range sections {
				if name, ok := strings.CutSuffix(s.name, ".view"); ok {
					views[name] = s.data
					continue
				}
				order = append(order, s.name)
			}
			var out strings.Builder
			out.WriteString(comment)
			for _, s := range sections {
				if strings.HasSuffix(s.name, ".view") {
					continue
				}
				sx, ok := syntaxFor(s.name)
				require.True(t, ok, "%s: no syntax", s.name)
				got := renderView(&sx, s.data)
				if !*updateViews {
					require.Equal(t, views[s.name], got, s.name)
				}
				out.WriteString("-- " + s.name + " --\n" + s.data + "-- " + s.name + ".view --\n" + got)
			}
			require.NotEmpty(t, order)
			if *updateViews {
				require.NoError(t, os.WriteFile(path, []byte(out.String()), 0o644))
			}
		})
	}
}

// lexSection is one file of a lexer fixture.
type lexSection struct{ name, data string }

// readLexFixture reads a txtar-like fixture: free text, then sections that
// each start with a line "-- NAME --".
func readLexFixture(t *testing.T, path string) (comment string, sections []lexSection) {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	for l := range strings.Lines(string(raw)) {
		if name, ok := strings.CutPrefix(strings.TrimSuffix(l, "\n"), "-- "); ok && strings.HasSuffix(name, " --") {
			sections = append(sections, lexSection{name: strings.TrimSuffix(name, " --")})
			continue
		}
		if len(sections) == 0 {
			comment += l
		} else {
			sections[len(sections)-1].data += l
		}
	}
	return comment, sections
}

// TestDiffStartState: Diff records, for each hunk, whether its first line
// starts inside a comment or a string opened above it.
func TestDiffStartState(t *testing.T) {
	t.Parallel()
	// lines makes n filler lines.
	lines := func(n int, s string) string { return strings.Repeat(s+"\n", n) }
	tests := []struct {
		name, path, old, new string
		want                 []lexMode // per hunk
	}{
		{
			name: "block comment above", path: "/a.js",
			old:  "/*\n" + lines(10, " text") + "*/\nx\n",
			new:  "/*\n" + lines(6, " text") + "console.log(1)\n" + lines(3, " text") + "*/\nx\n",
			want: []lexMode{lexBlockComment},
		},
		{
			name: "docstring above", path: "/a.py",
			old:  "def f():\n    \"\"\"Doc.\n" + lines(10, "    text") + "    \"\"\"\n",
			new:  "def f():\n    \"\"\"Doc.\n" + lines(6, "    text") + "    print(1)\n" + lines(4, "    text") + "    \"\"\"\n",
			want: []lexMode{lexString},
		},
		{
			name: "template literal above", path: "/a.ts",
			old:  "const t = `\n" + lines(10, "text") + "`;\n",
			new:  "const t = `\n" + lines(6, "text") + "x\n" + lines(4, "text") + "`;\n",
			want: []lexMode{lexTemplate},
		},
		{
			name: "two hunks, code after the comment", path: "/a.go",
			old:  "package a\n/*\n" + lines(8, "text") + "*/\n" + lines(10, "var x = 1") + "var y = 2\n",
			new:  "package a\n/*\n" + lines(6, "text") + "more\n" + lines(2, "text") + "*/\n" + lines(10, "var x = 1") + "var y = 3\n",
			want: []lexMode{lexBlockComment, lexCode},
		},
		{
			name: "unknown language", path: "/a.txt",
			old:  "/*\n" + lines(10, "text") + "*/\n",
			new:  "/*\n" + lines(6, "text") + "x\n" + lines(4, "text") + "*/\n",
			want: []lexMode{lexCode},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Diff(tt.path, "", ChangeEdit, []byte(tt.old), []byte(tt.new), DiffOptions{})
			var got []lexMode
			for _, h := range d.Hunks {
				got = append(got, h.StartState.mode)
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// BenchmarkCodeView lexes a source-like line and a pathological one (a
// megabyte of "(/" and quotes that never close): the time per byte stays
// flat, since every look-ahead is bounded.
func BenchmarkCodeView(b *testing.B) {
	sx, _ := syntaxFor("a.ts")
	for _, bc := range []struct{ name, line string }{
		{"source", strings.Repeat(`const a = f("x", 'y', `+"`t ${v}`"+`, /re/g); // c `, 64)},
		{"pathological", strings.Repeat(`(/'"\`, 1<<18)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.line)))
			var view []byte
			for b.Loop() {
				view, _ = sx.codeView(view, bc.line, LexState{})
			}
		})
	}
}
