package markdown

import (
	"fmt"
	"strings"
)

// MaxComment is the longest comment azreviewer writes, in bytes. Azure
// DevOps refuses a comment longer than 150,000 characters ("A discussion
// comment cannot be longer than 150000 characters"), which would fail the
// whole review; a byte never counts for less than a character, so 60,000
// bytes stays well below whatever the content.
const MaxComment = 60_000

// Truncate returns md when it is at most limit bytes long; otherwise the
// longest run of its whole lines that ends outside any fenced code block and
// leaves room for a closing note saying the comment was cut. The cut never
// falls inside a line (hence never inside an escape or a code span) nor
// inside a fenced block (a suggestion is shown whole or not at all). A
// limit too small for the note gives the note alone, cut to limit.
func Truncate(md string, limit int) string {
	if len(md) <= limit {
		return md
	}
	note := fmt.Sprintf("\n\n_… cut here: this comment was longer than %d bytes._\n", limit)
	budget := limit - len(note)
	if budget < 0 {
		return note[:max(limit, 0)]
	}
	keep := 0
	var f fence
	for pos := 0; pos < len(md); {
		end := strings.IndexByte(md[pos:], '\n')
		next := len(md)
		if end >= 0 {
			next = pos + end + 1
		}
		if next > budget {
			break
		}
		f.line(md[pos:next])
		pos = next
		if !f.open() {
			keep = pos
		}
	}
	return strings.TrimRight(md[:keep], "\n") + note
}

// fence follows fenced code blocks line by line, as CommonMark opens and
// closes them.
type fence struct {
	char byte
	n    int
}

func (f *fence) open() bool { return f.n > 0 }

// line advances over one line (with or without its "\n").
func (f *fence) line(l string) {
	l = strings.TrimRight(l, "\r\n")
	indent := 0
	for indent < len(l) && indent < 4 && l[indent] == ' ' {
		indent++
	}
	if indent > 3 {
		return
	}
	l = l[indent:]
	if l == "" || (l[0] != '`' && l[0] != '~') {
		return
	}
	c := l[0]
	n := run(l, 0, c)
	if n < 3 {
		return
	}
	rest := l[n:]
	if f.open() {
		if c == f.char && n >= f.n && strings.Trim(rest, " \t") == "" {
			f.n = 0
		}
		return
	}
	if c == '`' && strings.IndexByte(rest, '`') >= 0 {
		return // an info string with a backtick: not a fence
	}
	f.char, f.n = c, n
}

// OpenFence reports whether md ends inside a fenced code block, which would
// swallow whatever follows it.
func OpenFence(md string) bool {
	var f fence
	for l := range strings.Lines(md) {
		f.line(l)
	}
	return f.open()
}
