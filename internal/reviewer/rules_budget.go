package reviewer

import (
	"context"
	"io"
	"regexp"
	"unicode/utf8"
)

// Matching a line costs up to its length times the pattern's program
// size in steps. A match within matchSteps is made whole; a longer one
// looks at the context every matchChunk characters.
const (
	matchSteps = 1 << 22
	matchChunk = 1024
)

// matchBounded reports whether re, a program of size instructions,
// matches s, looking at ctx every matchChunk characters when the match may
// take over matchSteps steps. Once ctx is done it reports false and
// context.Cause(ctx).
func matchBounded(ctx context.Context, re *regexp.Regexp, size int, s string) (bool, error) {
	if ctx.Err() != nil {
		return false, context.Cause(ctx)
	}
	if len(s) <= matchSteps/max(size, 1) {
		return re.MatchString(s), nil
	}
	r := &contextReader{ctx: ctx, s: s}
	matched := re.MatchReader(r)
	if r.stopped {
		return false, context.Cause(ctx)
	}
	return matched, nil
}

// contextReader reads a string rune by rune, ending it early (io.EOF) once
// its context is done, which it looks at every matchChunk runes.
type contextReader struct {
	ctx     context.Context
	s       string
	i, n    int
	stopped bool
}

func (r *contextReader) ReadRune() (rune, int, error) {
	if r.i >= len(r.s) || r.stopped {
		return 0, 0, io.EOF
	}
	if r.n++; r.n%matchChunk == 0 && r.ctx.Err() != nil {
		r.stopped = true
		return 0, 0, io.EOF
	}
	c, size := utf8.DecodeRuneInString(r.s[r.i:])
	r.i += size
	return c, size, nil
}
