package repoconfig

import (
	"bytes"
	"fmt"
	"regexp"
	"regexp/syntax"
	"unicode/utf8"

	"github.com/goccy/go-yaml/token"
)

// sizeProblem reports a file longer than MaxFileBytes, located where the
// limit is crossed; nil when the file is within it.
func sizeProblem(data []byte) *Problem {
	if len(data) <= MaxFileBytes {
		return nil
	}
	head := data[:MaxFileBytes]
	line := bytes.Count(head, []byte("\n")) + 1
	col := utf8.RuneCount(head[bytes.LastIndexByte(head, '\n')+1:]) + 1
	return &Problem{Line: line, Column: col, Message: fmt.Sprintf(
		"the file is longer than the limit of %d bytes (%d KiB); it must end before this point", MaxFileBytes, MaxFileBytes>>10)}
}

// depthProblem reports the first token nested more than MaxDepth levels
// deep; nil when none is.
//
// Depth counts the flow collections ("[", "{") open around a token plus the
// block collections, approximated by the indentation levels in force: the
// distinct, increasing columns of the first token of each line and of the
// token after each "- " or "? " indicator (so "- - - x" is three levels).
// Quoted strings, block scalars and comments are single tokens and cannot
// open anything. A block sequence written at its parent key's column counts
// as no level of its own, so the parser's real depth is at most about twice
// the count.
func depthProblem(tokens token.Tokens) *Problem {
	flow := 0
	var cols []int // the block indentation levels, increasing
	prevLine, afterIndicator, inScalar := 0, false, false
	for _, tk := range tokens {
		if tk == nil || tk.Position == nil {
			continue
		}
		switch tk.Type {
		case token.CommentType:
			continue
		case token.DocumentHeaderType, token.DocumentEndType:
			flow, cols = 0, cols[:0]
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		default:
			block := flow == 0 && !inScalar && (tk.Position.Line != prevLine || afterIndicator)
			if block {
				col := tk.Position.Column
				for len(cols) > 0 && cols[len(cols)-1] > col {
					cols = cols[:len(cols)-1]
				}
				if len(cols) == 0 || cols[len(cols)-1] < col {
					cols = append(cols, col)
				}
			}
		}
		if depth := flow + len(cols); depth > MaxDepth {
			return &Problem{Line: tk.Position.Line, Column: max(tk.Position.Column, 1), Message: fmt.Sprintf(
				"lists and mappings are nested more than %d levels deep here; the limit is %d (a valid file needs at most 5)", MaxDepth, MaxDepth)}
		}
		afterIndicator = flow == 0 && (tk.Type == token.SequenceEntryType || tk.Type == token.MappingKeyType)
		// The content of a block scalar (| or >) is the token after its
		// header, positioned at column 0.
		inScalar = tk.Type == token.LiteralType || tk.Type == token.FoldedType
		prevLine = tk.Position.Line
	}
	return nil
}

// compilePattern compiles a custom rule's pattern (Go RE2 syntax) within
// [MaxPatternProgram], returning the compiled expression and its program's
// size in instructions. Repetitions are weighed on the parsed expression,
// before anything is expanded: x{1,1000} costs a thousand times x.
func compilePattern(pattern string) (*regexp.Regexp, int, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, 0, &PatternError{Pattern: pattern, Reason: regexpReason(err), Err: err}
	}
	if n, culprit := weigh(re, MaxPatternProgram); n > MaxPatternProgram {
		fix := "make it shorter"
		if culprit != "" {
			fix = "shorten the repetition " + culprit
		}
		return nil, n, &PatternError{Pattern: pattern, Size: n, Reason: fmt.Sprintf(
			"it expands to more than %d instructions, the limit; %s", MaxPatternProgram, fix)}
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, 0, &PatternError{Pattern: pattern, Reason: regexpReason(err), Err: err}
	}
	if n := len(prog.Inst); n > MaxPatternProgram {
		return nil, n, &PatternError{Pattern: pattern, Size: n, Reason: fmt.Sprintf(
			"it compiles to %d instructions; the limit is %d", n, MaxPatternProgram)}
	}
	compiled, err := regexp.Compile(pattern)
	if err != nil {
		return nil, 0, &PatternError{Pattern: pattern, Reason: regexpReason(err), Err: err}
	}
	return compiled, len(prog.Inst), nil
}

// PatternError is a custom rule's pattern that is not a valid Go (RE2)
// regular expression or is larger than the limits allow.
type PatternError struct {
	// Pattern is the rule's pattern.
	Pattern string
	// Reason says what is wrong.
	Reason string
	// Size is the program's size in instructions when that is what is
	// wrong (an estimate when the expansion was refused before compiling).
	Size int
	// Err is the regexp/syntax error, if any.
	Err error
}

// Error returns the pattern and the reason.
func (e *PatternError) Error() string { return fmt.Sprintf("pattern %q: %s", e.Pattern, e.Reason) }

// Unwrap returns the regexp/syntax error, if any.
func (e *PatternError) Unwrap() error { return e.Err }

// weigh estimates the number of program instructions re compiles to, at
// least as many as regexp/syntax emits, saturating a little above limit so
// that nothing overflows. culprit names the heaviest repetition, like
// "{1,1000}", the part to shorten; empty when there is none.
func weigh(re *syntax.Regexp, limit int) (n int, culprit string) {
	var heaviest int
	var walk func(re *syntax.Regexp) int
	walk = func(re *syntax.Regexp) int {
		sat := func(n int) int { return min(n, limit+1) }
		switch re.Op {
		case syntax.OpLiteral:
			return sat(len(re.Rune))
		case syntax.OpConcat, syntax.OpAlternate:
			total := len(re.Sub)
			for _, s := range re.Sub {
				total = sat(total + walk(s))
			}
			return total
		case syntax.OpCapture:
			return sat(walk(re.Sub[0]) + 2)
		case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
			return sat(walk(re.Sub[0]) + 1)
		case syntax.OpRepeat:
			// x{n,m} compiles to n copies of x and m-n optional ones, x{n,}
			// to n copies and a star.
			sub, optional := walk(re.Sub[0]), re.Max-re.Min
			if re.Max < 0 {
				optional = 1
			}
			total := limit + 1
			if re.Min <= limit && optional <= limit && sub <= (limit+1)/max(re.Min+optional, 1) {
				total = re.Min*sub + optional*(sub+1)
			}
			if total > heaviest {
				heaviest = total
				switch {
				case re.Max < 0:
					culprit = fmt.Sprintf("{%d,}", re.Min)
				case re.Min == re.Max:
					culprit = fmt.Sprintf("{%d}", re.Min)
				default:
					culprit = fmt.Sprintf("{%d,%d}", re.Min, re.Max)
				}
			}
			return sat(total)
		default:
			return 1
		}
	}
	return walk(re), culprit
}

// abbreviate cuts s to at most n runes, marking the cut with "…".
func abbreviate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
