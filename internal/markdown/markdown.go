package markdown

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Policy says which links prose may keep. The zero Policy keeps none.
type Policy struct {
	// AllowedHosts are the hosts an http or https URL in prose may link to:
	// "docs.example.com" allows that host only, "*.example.com" its
	// subdomains. Compared without case and port. Empty: no links.
	AllowedHosts []string
}

// ErrInvalidHost is returned by [NewPolicy] for an entry that is not a host
// name.
var ErrInvalidHost = errors.New("not a host name")

// NewPolicy returns a Policy allowing hosts, each a DNS name, optionally
// prefixed with "*." for its subdomains. Empty entries are ignored.
func NewPolicy(hosts []string) (Policy, error) {
	var p Policy
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if !validHost(strings.TrimPrefix(h, "*.")) {
			return Policy{}, fmt.Errorf("allowed host %q: %w (want a DNS name such as docs.example.com or *.example.com)", h, ErrInvalidHost)
		}
		p.AllowedHosts = append(p.AllowedHosts, h)
	}
	return p, nil
}

func validHost(h string) bool {
	if h == "" || len(h) > 253 || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") || strings.Contains(h, "..") {
		return false
	}
	for i := range len(h) {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Allows reports whether links to host are allowed.
func (p Policy) Allows(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return false
	}
	for _, h := range p.AllowedHosts {
		if sub, ok := strings.CutPrefix(h, "*."); ok {
			if strings.HasSuffix(host, "."+sub) {
				return true
			}
		} else if host == h {
			return true
		}
	}
	return false
}

// Text renders untrusted prose on one line: white space, line breaks
// included, becomes single spaces; control and bidirectional formatting
// characters are dropped; code spans in s (`like this`) stay code spans,
// rendered with [Code]; an http or https URL to a host p allows becomes a
// link; every other character that Markdown, HTML or Azure DevOps would
// interpret is escaped.
func (p Policy) Text(s string) string {
	s = strings.Join(strings.Fields(clean(s, true)), " ")
	runs, next := backtickRuns(s)
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	r := 0 // the first backtick run at or after i
	for i := 0; i < len(s); {
		c := s[i]
		if r < len(runs) && runs[r].at == i {
			n := runs[r].n
			if j := next[r]; j >= 0 {
				b.WriteString(Code(codeContent(s[i+n : runs[j].at])))
				i, r = runs[j].at+runs[j].n, j+1
				continue
			}
			for range n {
				b.WriteString("\\`")
			}
			i, r = i+n, r+1
			continue
		}
		if c == 'h' || c == 'H' {
			if u, ok := p.link(s, i); ok {
				b.WriteString("<" + u + ">")
				i += len(u)
				continue
			}
		}
		if c < utf8.RuneSelf {
			writeEscaped(&b, s, i)
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// Text renders untrusted prose with the zero [Policy]: no links.
func Text(s string) string { return Policy{}.Text(s) }

// writeEscaped writes the ASCII byte s[i] of one-line prose. Characters
// that start markup anywhere are always escaped; those that matter only in
// some places (a list marker at the start, the ":" of a scheme, the "." of a
// domain name) only there, so the text stays readable in raw form.
func writeEscaped(b *strings.Builder, s string, i int) {
	c := s[i]
	var prev, next byte
	if i > 0 {
		prev = s[i-1]
	}
	if i+1 < len(s) {
		next = s[i+1]
	}
	switch c {
	case '<':
		b.WriteString("&lt;")
	case '>':
		b.WriteString("&gt;")
	case '&':
		b.WriteString("&amp;")
	case '#': // a header at the start, a work-item link (#123) anywhere
		if i == 0 || isDigit(next) {
			b.WriteString("&num;")
		} else {
			b.WriteByte(c)
		}
	case '!': // a pull-request link (!123); "![" is no image once "[" is escaped
		if isDigit(next) {
			b.WriteString("&excl;")
		} else {
			b.WriteByte(c)
		}
	case '\\', '`', '*', '_', '[', ']', '|', '~', '$', '@':
		b.WriteByte('\\')
		b.WriteByte(c)
	case '-', '+', '=':
		if i == 0 { // a list marker, a thematic break, a setext underline
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	case '.', ')':
		if leadingDigits(s, i) { // an ordered list marker: "1." or "1)"
			b.WriteByte('\\')
		} else if c == '.' && isLabelByte(prev) && isLabelByte(next) { // a domain name
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	case ':':
		if next == '/' { // a URL scheme
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	default:
		b.WriteByte(c)
	}
}

// leadingDigits reports whether s[:i] is all digits, and not empty.
func leadingDigits(s string, i int) bool {
	if i == 0 || i > 9 {
		return false
	}
	for j := range i {
		if s[j] < '0' || s[j] > '9' {
			return false
		}
	}
	return true
}

// Code renders s as an inline code span: line breaks become spaces, the
// fence is one backtick longer than the longest backtick run in s, and a
// word joiner (U+2060) follows every "@" before "<", so the span mentions
// nobody.
func Code(s string) string {
	s = clean(s, true)
	s = strings.ReplaceAll(s, "@<", "@\u2060<")
	if s == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	// CommonMark strips one space from each end when both are spaces; a
	// backtick at either end would otherwise join the fence.
	if s[0] == '`' || s[len(s)-1] == '`' || (s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// Suggestion renders replacement as an Azure DevOps suggestion block (a
// fenced block with the info string "suggestion") whose fence is longer than
// any backtick run in it, so no line of it can close the block. It reports
// false, and renders nothing, when replacement contains "@<": a suggestion
// must be applied verbatim, so it cannot be defused like prose.
func Suggestion(replacement string) (string, bool) {
	s := blockText(replacement)
	if strings.Contains(s, "@<") {
		return "", false
	}
	return fenced("suggestion", s), true
}

// Block renders s as a fenced code block with the info string info (a
// language such as "text" or "yaml", or ""; only ASCII letters, digits,
// "_", "-" and "+" of it are kept), whose fence is longer than any
// backtick run in s, so no line of it can close the block; as in [Code], a
// word joiner follows every "@" before "<". Unlike a suggestion, a block is
// only read, so its text may be defused.
func Block(info, s string) string {
	info = strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (isWordByte(byte(r)) || r == '-' || r == '+') {
			return r
		}
		return -1
	}, info)
	return fenced(info, strings.ReplaceAll(blockText(s), "@<", "@\u2060<"))
}

// blockText is s as valid UTF-8 with "\n" line ends.
func blockText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func fenced(info, s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + info + "\n" + strings.TrimSuffix(s, "\n") + "\n" + fence
}

// Clip returns s cut to at most n runes, with "…" appended when cut. Clip
// untrusted text before rendering it, so a cut never falls in an escape.
func Clip(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for range n {
		if i >= len(s) {
			return s
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if i >= len(s) {
		return s
	}
	return s[:i] + "…"
}

// maxURL is the longest URL kept as a link; it also bounds the work of
// looking for one.
const maxURL = 2048

// link returns the URL starting at s[i] when it is an http or https URL to
// an allowed host made only of characters that need no escaping in an
// autolink.
func (p Policy) link(s string, i int) (string, bool) {
	// After "@" a link's "<" would read as a mention.
	if len(p.AllowedHosts) == 0 || i > 0 && (isWordByte(s[i-1]) || s[i-1] == '@') {
		return "", false
	}
	rest := s[i:]
	if !hasPrefixFold(rest, "https://") && !hasPrefixFold(rest, "http://") {
		return "", false
	}
	end := 0
	for end < len(rest) && urlByte(rest[end]) {
		if end++; end > maxURL {
			return "", false
		}
	}
	u := strings.TrimRight(rest[:end], ".,:;!?)]}'*_~")
	for j := 0; j+1 < len(u); j++ {
		if (u[j] == '#' || u[j] == '!') && isDigit(u[j+1]) {
			return "", false // "#123" and "!123" would link a work item or pull request
		}
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.User != nil || parsed.Opaque != "" || !p.Allows(parsed.Hostname()) {
		return "", false
	}
	return u, true
}

// urlByte reports whether c may appear in a kept URL: RFC 3986 unreserved
// and reserved characters and "%", without "<", ">", "\", "`", quotes or
// space.
func urlByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&()*+,;=%", c) >= 0
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isLabelByte reports whether c can be part of a domain name's label,
// internationalised names included.
func isLabelByte(c byte) bool { return isWordByte(c) || c == '-' || c >= utf8.RuneSelf }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Printable is s on one line, as a terminal or a table shows it without
// surprise: invalid UTF-8 as U+FFFD, white space as spaces, and no control
// or bidirectional formatting character (an escape sequence in a file name
// that reached an error message cannot reach the operator's terminal).
func Printable(s string) string { return clean(s, true) }

// clean replaces invalid UTF-8 with U+FFFD and drops control characters
// (keeping white space when keepSpace) and bidirectional formatting
// characters, which could make the rendered text read differently from
// what it is.
func clean(s string, keepSpace bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case isSpace(r):
			if keepSpace {
				return ' '
			}
			return -1
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F, r == 0x061C:
			return -1
		}
		return r
	}, s)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// run returns the length of the run of c starting at s[i].
func run(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// backtickRun is a run of n backticks starting at byte at.
type backtickRun struct{ at, n int }

// backtickRuns returns the backtick runs of s and, for each, the index of
// the next run of the same length (-1 if none): where a code span that the
// run opens closes, as CommonMark reads it. Linear in len(s).
func backtickRuns(s string) ([]backtickRun, []int) {
	var runs []backtickRun
	for i := 0; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		n := run(s, i, '`')
		runs = append(runs, backtickRun{i, n})
		i += n
	}
	next := make([]int, len(runs))
	last := map[int]int{}
	for i := len(runs) - 1; i >= 0; i-- {
		next[i] = -1
		if j, ok := last[runs[i].n]; ok {
			next[i] = j
		}
		last[runs[i].n] = i
	}
	return runs, next
}

// codeContent is a code span's content as CommonMark reads it: one space
// stripped from each end when both ends are spaces and it is not all spaces.
func codeContent(s string) string {
	if len(s) >= 2 && s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "" {
		return s[1 : len(s)-1]
	}
	return s
}

func longestRun(s string, c byte) int {
	longest := 0
	for i := 0; i < len(s); {
		if s[i] != c {
			i++
			continue
		}
		n := run(s, i, c)
		longest = max(longest, n)
		i += n
	}
	return longest
}
