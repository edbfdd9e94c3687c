package reviewer

import (
	"path"
	"strings"
	"unicode/utf8"
)

// The lexer turns a source line into its code view: the line with the text
// of comments and the contents of string literals replaced by spaces, byte
// for byte, so columns stay where they are. Rules marked code match the code
// view, so a console.log in a string or a block comment is quiet. The lexer
// knows two families of syntax (see syntaxFor): the C-like one (// and /* */
// comments) and the hash one (# comments), each with the string literals of
// its languages. It is a lexer, not a parser: it works line by line with a
// small, bounded state (LexState) carried from one line to the next, in time
// linear in the line's length.

// lexMode is what a LexState is inside of.
type lexMode uint8

const (
	lexCode         lexMode = iota // code
	lexBlockComment                // a /* */ comment, LexState.n deep
	lexString                      // a string literal that spans lines
	lexTemplate                    // the text of a JavaScript template literal
)

// strKind is how a string literal escapes and ends.
type strKind uint8

const (
	strPlain     strKind = iota // backslash escapes, ends at its quote
	strRaw                      // no escapes, ends at its quote (Go `…`, shell '…')
	strTriple                   // backslash escapes, ends at three quotes (Python, Java)
	strTripleRaw                // no escapes, ends at three quotes (Kotlin, Scala, C#)
	strVerbatim                 // C# @"…": "" is a quote, no backslash escapes
	strRustRaw                  // Rust r#"…"#: ends at a quote and LexState.n '#'
)

// Bounds that keep the lexer's state small and its time linear.
const (
	// maxTemplateDepth is how many template literals inside one another's
	// ${…} are followed; deeper ones are taken for template text.
	maxTemplateDepth = 4
	// maxRegexLen and maxCharLiteralLen bound the look-ahead for the end of
	// a regular-expression or character literal.
	maxRegexLen       = 512
	maxCharLiteralLen = 12
)

// LexState is the lexical state at the start of a source line: whether the
// line starts in code, inside a block comment, inside a string literal that
// spans lines (a Go raw string, a Python docstring, a JavaScript template
// literal, …) or inside a template literal's ${…} interpolation. [Diff]
// records it for the first line of every hunk ([Hunk.StartState]) so that the
// built-in rules know a hunk starts inside a comment opened above it. The
// zero value is code, which is also the state of a file's first line.
type LexState struct {
	mode  lexMode
	kind  strKind
	delim byte  // the quote that ends a string
	n     uint8 // block comment depth, or a Rust raw string's '#' count
	tmpl  uint8 // open ${…} interpolations
	// braces counts the unmatched '{' inside each open interpolation.
	braces [maxTemplateDepth]uint8
}

// InCode reports whether the state is plain code (outside any comment or
// string literal).
func (s LexState) InCode() bool { return s.mode == lexCode }

// backquote is what a backquote opens.
type backquote uint8

const (
	bqNone     backquote = iota
	bqRaw                // a raw string that may span lines (Go)
	bqTemplate           // a template literal (JavaScript, TypeScript)
)

// syntax is the comment and string syntax of a family of languages.
type syntax struct {
	// lineComment starts a comment that ends with the line; "" for none.
	lineComment string
	// wordComment: lineComment starts a comment only at a word's start
	// (shell, YAML), so $# or a#b is not one.
	wordComment bool
	// block: /* … */ comments; nested: they nest (Rust, Swift, Kotlin).
	block, nested bool
	// quotes open string literals with backslash escapes that end with the
	// line if not before; rawQuotes among them have no escapes (shell '…').
	quotes, rawQuotes string
	// multiQuotes are quotes whose strings continue on the next line (Rust).
	multiQuotes string
	// boundaryQuotes: a quote opens a string only after a space or a
	// punctuation (YAML, shell), so the apostrophe of don't does not.
	boundaryQuotes bool
	// charQuote: ' opens a character literal ('a', '\n') only when it closes
	// as one; otherwise it is code (Rust lifetimes, C++ digit separators).
	charQuote bool
	// triple are the quotes of which three open a string that spans lines;
	// tripleRaw: such strings have no escapes.
	triple    string
	tripleRaw bool
	// verbatim: C# @"…" strings, which span lines.
	verbatim bool
	// rustRaw: Rust r"…", r#"…"# and br"…" strings, which span lines.
	rustRaw bool
	// backquote is what ` opens.
	backquote backquote
	// regex: JavaScript regular-expression literals (/…/flags).
	regex bool
	// special marks the bytes that may start a token the lexer acts on in
	// code; the others (and spaces) are skipped in a tight loop (see
	// withSpecial).
	special [256]bool
}

// withSpecial fills sx.special from the syntax's other fields.
func (sx syntax) withSpecial() syntax {
	mark := func(chars string) {
		for i := range len(chars) {
			sx.special[chars[i]] = true
		}
	}
	mark(sx.quotes + sx.triple)
	if sx.lineComment != "" {
		mark(sx.lineComment[:1])
	}
	if sx.block || sx.regex {
		mark("/")
	}
	if sx.charQuote {
		mark("'")
	}
	if sx.backquote != bqNone {
		mark("`")
	}
	if sx.backquote == bqTemplate {
		mark("{}")
	}
	if sx.verbatim {
		mark("@")
	}
	if sx.rustRaw {
		mark("rb")
	}
	return sx
}

// syntaxFor returns the syntax of the file at path p, and false when the
// lexer does not know its language (the code view is then the line itself).
func syntaxFor(p string) (syntax, bool) {
	sx, ok := knownSyntax(p)
	return sx.withSpecial(), ok
}

// knownSyntax returns the syntax of the file at path p, without its special
// table.
func knownSyntax(p string) (syntax, bool) {
	base := strings.ToLower(path.Base(p))
	cLike := syntax{lineComment: "//", block: true, quotes: `"`, charQuote: true}
	hash := syntax{lineComment: "#", quotes: `"'`}
	shell := syntax{lineComment: "#", wordComment: true, quotes: `"'`, rawQuotes: `'`, boundaryQuotes: true}
	switch base {
	case "gemfile", "rakefile":
		return hash, true
	case "dockerfile", "makefile", "gnumakefile":
		return shell, true
	}
	switch path.Ext(base) {
	case ".go":
		cLike.backquote = bqRaw
	case ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts":
		cLike.quotes, cLike.charQuote, cLike.backquote, cLike.regex = `"'`, false, bqTemplate, true
	case ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".m", ".mm":
	case ".java", ".groovy", ".gradle":
		cLike.triple = `"`
	case ".kt", ".kts", ".scala", ".sc":
		cLike.nested, cLike.triple, cLike.tripleRaw = true, `"`, true
	case ".swift":
		cLike.nested, cLike.charQuote, cLike.triple = true, false, `"`
	case ".cs":
		cLike.triple, cLike.tripleRaw, cLike.verbatim = `"`, true, true
	case ".rs":
		cLike.nested, cLike.multiQuotes, cLike.rustRaw = true, `"`, true
	case ".dart":
		cLike.quotes, cLike.charQuote, cLike.triple = `"'`, false, `"'`
	case ".css":
		return syntax{block: true, quotes: `"'`}, true
	case ".scss", ".less":
		return syntax{lineComment: "//", block: true, quotes: `"'`}, true
	case ".py", ".pyi", ".pyw":
		hash.triple = `"'`
		return hash, true
	case ".rb", ".rake", ".gemspec", ".pl", ".pm", ".r":
		return hash, true
	case ".sh", ".bash", ".zsh", ".ksh", ".bats", ".yaml", ".yml":
		return shell, true
	case ".toml":
		shell.triple = `"'`
		return shell, true
	default:
		return syntax{}, false
	}
	return cLike, true
}

// codeView returns the code view of line, which starts in state st, and the
// state at the start of the next line. dst is reused when large enough.
func (sx *syntax) codeView(dst []byte, line string, st LexState) ([]byte, LexState) {
	dst = append(dst[:0], line...)
	st = sx.lex(line, st, dst)
	return dst, st
}

// lexer is one line being lexed.
type lexer struct {
	sx   *syntax
	line string
	view []byte // nil when only the state is wanted
	st   LexState
	// last is the index of the last code byte that is not a space, -1 when
	// none on this line.
	last int
}

// blank replaces line[from:to] by spaces in the view.
func (l *lexer) blank(from, to int) {
	if l.view == nil {
		return
	}
	for i := from; i < min(to, len(l.view)); i++ {
		l.view[i] = ' '
	}
}

// lex lexes line from state st, blanking comments and string contents in
// view (nil, or a copy of line), and returns the state at the next line.
func (sx *syntax) lex(line string, st LexState, view []byte) LexState {
	l := lexer{sx: sx, line: line, view: view, st: st, last: -1}
	for i := 0; i < len(line); {
		switch l.st.mode {
		case lexBlockComment:
			i = l.blockComment(i)
		case lexString:
			i = l.str(i)
		case lexTemplate:
			i = l.template(i)
		default:
			i = l.code(i)
		}
	}
	return l.st
}

// blockComment lexes from i inside a block comment.
func (l *lexer) blockComment(i int) int {
	line := l.line
	for i < len(line) {
		switch {
		case l.sx.nested && strings.HasPrefix(line[i:], "/*"):
			if l.st.n < 255 {
				l.st.n++
			}
			l.blank(i, i+2)
			i += 2
		case strings.HasPrefix(line[i:], "*/"):
			l.blank(i, i+2)
			i += 2
			if l.st.n > 0 {
				l.st.n--
			}
			if l.st.n == 0 {
				l.st.mode = lexCode
				return i
			}
		default:
			l.blank(i, i+1)
			i++
		}
	}
	return i
}

// str lexes from i inside a string literal, up to and including its closing
// quotes, which stay in the view.
func (l *lexer) str(i int) int {
	line, q := l.line, l.st.delim
	from := i
	for i < len(line) {
		c := line[i]
		switch l.st.kind {
		case strPlain, strTriple:
			if c == '\\' {
				i += 2
				continue
			}
		case strVerbatim:
			if c == '"' && i+1 < len(line) && line[i+1] == '"' {
				i += 2
				continue
			}
		}
		if c != q {
			i++
			continue
		}
		end := i + 1 // after the closing quotes
		switch l.st.kind {
		case strTriple, strTripleRaw:
			if !strings.HasPrefix(line[i:], string([]byte{q, q, q})) {
				i++
				continue
			}
			end = i + 3
		case strRustRaw:
			n := int(l.st.n)
			if len(line)-end < n || strings.Count(line[end:end+n], "#") != n {
				i++
				continue
			}
			end += n
		}
		l.blank(from, i)
		l.st.mode, l.st.n = lexCode, 0
		l.last = end - 1
		return end
	}
	l.blank(from, len(line))
	if l.st.kind == strPlain && !strings.ContainsRune(l.sx.multiQuotes, rune(q)) ||
		l.st.kind == strRaw && q != '`' {
		l.st.mode = lexCode // ends with the line
	}
	return len(line)
}

// template lexes from i inside a template literal's text.
func (l *lexer) template(i int) int {
	line := l.line
	for i < len(line) {
		switch c := line[i]; {
		case c == '\\':
			l.blank(i, i+2)
			i += 2
		case c == '`':
			l.st.mode = lexCode
			l.last = i
			return i + 1
		case c == '$' && i+1 < len(line) && line[i+1] == '{' && l.st.tmpl < maxTemplateDepth:
			l.st.braces[l.st.tmpl] = 0
			l.st.tmpl++
			l.st.mode = lexCode
			l.last = i + 1
			return i + 2
		default:
			l.blank(i, i+1)
			i++
		}
	}
	return i
}

// code lexes one token from i in code and returns where the next starts.
func (l *lexer) code(i int) int {
	sx, line := l.sx, l.line
	if start, last := i, l.last; !sx.special[line[i]] {
		for ; i < len(line); i++ {
			if c := line[i]; c != ' ' && c != '\t' {
				if sx.special[c] {
					break
				}
				last = i
			}
		}
		if i > start {
			l.last = last
			return i
		}
	}
	c := line[i]
	switch {
	case sx.lineComment != "" && strings.HasPrefix(line[i:], sx.lineComment) && (!sx.wordComment || wordStart(line, i)):
		l.blank(i, len(line))
		return len(line)
	case sx.block && strings.HasPrefix(line[i:], "/*"):
		l.blank(i, i+2)
		l.st.mode, l.st.n = lexBlockComment, 1
		return i + 2
	case c == '`' && sx.backquote == bqTemplate:
		l.st.mode = lexTemplate
		return i + 1
	case c == '`' && sx.backquote == bqRaw:
		return l.open(i, 1, strRaw, c)
	case strings.IndexByte(sx.triple, c) >= 0 && strings.HasPrefix(line[i:], string([]byte{c, c, c})):
		kind := strTriple
		if sx.tripleRaw {
			kind = strTripleRaw
		}
		return l.open(i, 3, kind, c)
	case c == '@' && sx.verbatim && strings.HasPrefix(line[i:], `@"`):
		return l.open(i, 2, strVerbatim, '"')
	case c == '@' && sx.verbatim && strings.HasPrefix(line[i:], `@$"`):
		return l.open(i, 3, strVerbatim, '"')
	case (c == 'r' || c == 'b') && sx.rustRaw && !identByte(line, i-1):
		if n, hashes, ok := rustRawOpening(line, i); ok {
			l.st.n = uint8(hashes)
			return l.open(i, n, strRustRaw, '"')
		}
	case c == '\'' && sx.charQuote:
		if end := charLiteralEnd(line, i); end > 0 {
			l.blank(i+1, end)
			l.last = end
			return end + 1
		}
	case strings.IndexByte(sx.quotes, c) >= 0 && (!sx.boundaryQuotes || quoteBoundary(line, i)):
		kind := strPlain
		if strings.IndexByte(sx.rawQuotes, c) >= 0 {
			kind = strRaw
		}
		return l.open(i, 1, kind, c)
	case c == '/' && sx.regex && l.regexAllowed():
		if end := regexEnd(line, i); end > 0 {
			l.blank(i+1, end)
			l.last = end
			return end + 1
		}
	case c == '{' && l.st.tmpl > 0:
		if b := &l.st.braces[l.st.tmpl-1]; *b < 255 {
			*b++
		}
	case c == '}' && l.st.tmpl > 0:
		b := &l.st.braces[l.st.tmpl-1]
		if *b == 0 {
			l.st.tmpl--
			l.st.mode = lexTemplate
			l.last = i
			return i + 1
		}
		*b--
	}
	l.last = i
	return i + 1
}

// open starts a string literal whose opening delimiter is line[i:i+n].
func (l *lexer) open(i, n int, kind strKind, delim byte) int {
	l.st.mode, l.st.kind, l.st.delim = lexString, kind, delim
	if kind != strRustRaw {
		l.st.n = 0
	}
	l.last = i + n - 1
	return i + n
}

// regexAllowed reports whether a '/' in code starts a regular-expression
// literal rather than a division: at the start of the line, after an
// operator or an opening bracket, or after a keyword such as return.
func (l *lexer) regexAllowed() bool {
	if l.last < 0 {
		return true
	}
	c := l.line[l.last]
	if strings.IndexByte("(,=:[!&|?{};+-*%<>~^", c) >= 0 {
		return true
	}
	if !isIdentByte(c) {
		return false
	}
	from := l.last
	for from > 0 && isIdentByte(l.line[from-1]) {
		from--
	}
	switch l.line[from : l.last+1] {
	case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await":
		return true
	}
	return false
}

// regexEnd returns the index of the '/' that closes the regular-expression
// literal opened at line[i], or -1 when it does not close on the line within
// maxRegexLen bytes.
func regexEnd(line string, i int) int {
	inClass := false
	for j := i + 1; j < len(line) && j-i <= maxRegexLen; j++ {
		switch line[j] {
		case '\\':
			j++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '/':
			if !inClass {
				if j == i+1 {
					return -1 // "//" is a comment, handled before
				}
				return j
			}
		}
	}
	return -1
}

// charLiteralEnd returns the index of the quote that closes the character
// literal opened at line[i] ('a', '\n', '\u00e9', 'é'), or -1 when the quote
// does not open one.
func charLiteralEnd(line string, i int) int {
	if i+1 >= len(line) {
		return -1
	}
	if line[i+1] == '\\' {
		for j := i + 3; j < len(line) && j-i <= maxCharLiteralLen; j++ {
			if line[j] == '\'' {
				return j
			}
		}
		return -1
	}
	_, size := utf8.DecodeRuneInString(line[i+1:])
	if j := i + 1 + size; j < len(line) && line[j] == '\'' && line[i+1] != '\'' {
		return j
	}
	return -1
}

// rustRawOpening reports whether line[i:] opens a Rust raw string (r"…",
// r#"…"#, br"…"): the opening's length and its '#' count.
func rustRawOpening(line string, i int) (n, hashes int, ok bool) {
	j := i
	if line[j] == 'b' {
		j++
	}
	if j >= len(line) || line[j] != 'r' {
		return 0, 0, false
	}
	j++
	for j < len(line) && line[j] == '#' {
		j++
	}
	hashes = j - i - 1
	if line[i] == 'b' {
		hashes--
	}
	if j >= len(line) || line[j] != '"' || hashes > 255 {
		return 0, 0, false
	}
	return j + 1 - i, hashes, true
}

// wordStart reports whether line[i] starts a word: it is the line's first
// byte or follows a space or a shell operator.
func wordStart(line string, i int) bool {
	return i == 0 || strings.IndexByte(" \t;&|()", line[i-1]) >= 0
}

// quoteBoundary reports whether a quote at line[i] can open a string in a
// language where quotes open values (YAML, shell): it starts the line or
// follows a space or punctuation, not a letter or digit.
func quoteBoundary(line string, i int) bool {
	return i == 0 || strings.IndexByte(" \t([{,:=;|&!$<>", line[i-1]) >= 0
}

// identByte reports whether line[i] exists and is an identifier byte.
func identByte(line string, i int) bool { return i >= 0 && i < len(line) && isIdentByte(line[i]) }

// isIdentByte reports whether c can be part of an identifier (ASCII letters,
// digits, _ and $, and any byte of a multi-byte character).
func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
