package reviewer

import (
	"strings"
	"testing"
)

// fuzzExts are the files FuzzCodeView lexes, one per syntax.
var fuzzExts = []string{"a.go", "a.ts", "a.c", "a.java", "a.kt", "a.swift", "a.cs", "a.rs", "a.dart", "a.css", "a.scss", "a.py", "a.rb", "a.sh", "a.yaml", "a.toml"}

// FuzzCodeView lexes arbitrary text as each language: no panic; every code
// view has the length of its line and differs from it only by spaces; a
// line that starts in code and holds no byte that can open a comment or a
// string is its own code view and leaves the state as it was; and a line
// lexed from plain code has a code view that lexes to itself, with the same
// state after it unless a block comment is left open (blanked text holds
// nothing a lexer could act on) — in languages with character literals or
// regular-expression literals, whose blanked delimiters may pair up anew,
// to a view at least as blank.
func FuzzCodeView(f *testing.F) {
	f.Add(uint8(0), "s := \"a // b\" + `raw\nfmt.Println(\"x\")` // tail\nr := '\"'\n/* a\n*/ x")
	f.Add(uint8(1), "const t = `a ${f(`b`, {c: 1})} d\n${x}`;\nif (/[\"/]/.test(s)) n = a / b;\n/** c\n*/")
	f.Add(uint8(7), "fn f<'a>() { r##\"x\"# \"## /* /* */ */ 'x' }")
	f.Add(uint8(6), "var p = @\"a\"\"b\nc\"; var r = \"\"\"\nx\n\"\"\";")
	f.Add(uint8(11), "def f():\n    '''doc\n    print(x)'''\n    s = \"#\" # c\n")
	f.Add(uint8(0), "'\\0'0'") // a blanked rune literal's quotes pair up anew
	f.Add(uint8(13), "echo \"it's\" $# don't # c\nx='a\nb'")
	f.Fuzz(func(t *testing.T, ext uint8, text string) {
		sx, ok := syntaxFor(fuzzExts[int(ext)%len(fuzzExts)])
		if !ok {
			t.Fatal("no syntax")
		}
		openers := "/#\"'`"
		var st LexState
		var view, again []byte
		for line := range strings.Lines(text) {
			line = strings.TrimSuffix(line, "\n")
			before := st
			view, st = sx.codeView(view, line, st)
			if len(view) != len(line) {
				t.Fatalf("%q: view %q has another length", line, view)
			}
			for i := range view {
				if view[i] != line[i] && view[i] != ' ' {
					t.Fatalf("%q: view %q changed byte %d to %q", line, view, i, view[i])
				}
			}
			if before != (LexState{}) {
				continue
			}
			if !strings.ContainsAny(line, openers) && (string(view) != line || st != before) {
				t.Fatalf("%q: plain code changed: view %q, state %+v", line, view, st)
			}
			var st2 LexState
			again, st2 = sx.codeView(again, string(view), LexState{})
			if sx.charQuote || sx.regex {
				// A blanked character literal ('\n' → '  ') is no longer one,
				// and a '/' looking for the end of a regular expression sees
				// blanks where a '[' was, so quotes and slashes may pair up
				// anew: the view may only get blanker.
				for i := range view {
					if view[i] == ' ' && again[i] != ' ' {
						t.Fatalf("%q: view %q lexes to %q", line, view, again)
					}
				}
				continue
			}
			// A comment left open is blanked with its opener, so only its state
			// is lost.
			if string(again) != string(view) || st2 != st && st.mode != lexBlockComment {
				t.Fatalf("%q: view %q lexes to %q (state %+v, want %+v)", line, view, again, st2, st)
			}
		}
	})
}
