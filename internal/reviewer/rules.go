package reviewer

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
)

// RulesName is the [Reviewer.Name] of the built-in rule set.
const RulesName = "rules"

// Suppression comments: a line containing IgnoreMarker, or following a line
// containing IgnoreNextMarker, gets no finding from the built-in rules, the
// secret scanner or the custom rules.
const (
	IgnoreMarker     = "azreviewer:ignore"
	IgnoreNextMarker = "azreviewer:ignore-next-line"
)

// ruleSpec is one entry of the rule table (rules_table.go). Several entries
// may share an id (one rule, several patterns); they must then share the
// severity, and a line covered by a finding of an id is not flagged again
// under the same id.
type ruleSpec struct {
	id       string
	severity Severity
	message  string
	// files selects the files the entry applies to; nil means every file.
	files fileMatcher
	// hints are lower-case literals of which a line must contain one before
	// the pattern is tried (a cheap prefilter); nil means no prefilter.
	hints []string
	// pattern flags a line (or opens a block, see end).
	pattern string
	// end, when set, makes the entry a block rule: a line matching pattern
	// opens a block that the next line matching end closes, within the same
	// run of consecutive added lines, and the finding spans the block.
	end string
	// endRequired drops a block whose end is not among the added lines;
	// otherwise its opening line is flagged alone.
	endRequired bool
	// acrossContext lets a block enclose context lines of its hunk (one
	// side of a merge conflict often equals the base): the finding then
	// spans the block's first run of added lines, and the whole block
	// counts as covered.
	acrossContext bool
	// unless suppresses a match when the line also matches it.
	unless string
	// unlessPrev suppresses a match when the previous new-side line (when
	// the diff shows it) matches it.
	unlessPrev string
	// code matches pattern against the line's code view, where comments
	// and string contents are blanked (see lexer.go), so a match inside a
	// comment, a docstring or a string literal does not count; in a
	// language the lexer does not know, whole-line comments are skipped
	// (see isComment). unless and unlessPrev still see the whole line.
	code bool
}

// rule is a compiled ruleSpec.
type rule struct {
	ruleSpec
	hintBytes  [][]byte
	re         *regexp.Regexp
	size       int // re's program size (see matchBounded)
	endRe      *regexp.Regexp
	unlessRe   *regexp.Regexp
	unlessPrev *regexp.Regexp
	// paths, when set, selects the files by their path as the diff names
	// them (a [LineRule]'s Applies), instead of files.
	paths func(path string) bool
}

// compileRule compiles a table entry.
func compileRule(s ruleSpec) (rule, error) {
	r := rule{ruleSpec: s}
	if !s.severity.Valid() || s.id == "" || s.message == "" || s.pattern == "" {
		return r, fmt.Errorf("rule %q: id, valid severity, message and pattern are required", s.id)
	}
	for _, h := range s.hints {
		if h != strings.ToLower(h) || h == "" {
			return r, fmt.Errorf("rule %s: hint %q must be non-empty lower case", s.id, h)
		}
		r.hintBytes = append(r.hintBytes, []byte(h))
	}
	var err error
	compile := func(expr string) *regexp.Regexp {
		if expr == "" || err != nil {
			return nil
		}
		var re *regexp.Regexp
		if re, err = regexp.Compile(expr); err != nil {
			err = fmt.Errorf("rule %s: %w", s.id, err)
		}
		return re
	}
	r.re, r.endRe = compile(s.pattern), compile(s.end)
	r.unlessRe, r.unlessPrev = compile(s.unless), compile(s.unlessPrev)
	if err != nil {
		return r, err
	}
	if r.size, err = programSize(s.pattern); err != nil {
		return r, fmt.Errorf("rule %s: %w", s.id, err)
	}
	return r, nil
}

// ruleSet is the rule engine's [Reviewer]: the built-in rules ([Rules])
// or rules defined elsewhere ([NewRules]).
type ruleSet struct {
	name  string
	rules []rule
}

// Rules returns the built-in rule set, named [RulesName]: hard-coded
// secrets, merge-conflict markers, debug leftovers and focused or skipped
// tests (see rules_table.go for every rule id, severity and message). It
// flags added lines only, and skips any line containing
// "azreviewer:ignore" or following a line containing
// "azreviewer:ignore-next-line". The returned Reviewer is safe for
// concurrent use.
func Rules() Reviewer {
	rs, err := newRuleSet(ruleTable())
	if err != nil {
		panic(err) // the table is static and compiled by the tests
	}
	return rs
}

func newRuleSet(specs []ruleSpec) (*ruleSet, error) {
	rs := &ruleSet{name: RulesName, rules: make([]rule, 0, len(specs))}
	for _, s := range specs {
		r, err := compileRule(s)
		if err != nil {
			return nil, err
		}
		rs.rules = append(rs.rules, r)
	}
	return rs, nil
}

var _ Judge = (*ruleSet)(nil)

// Name returns the rule set's name: [RulesName] for the built-in rules.
func (s *ruleSet) Name() string { return s.name }

// Judges reports whether rule is one of the set's and applies to the file
// at path, by its path (a generated-file header, which only a file's
// content shows, is not looked at). It makes the set a [Judge]: a custom
// rule removed from .azreviewer.yaml, or whose paths no longer take the
// file, is not judged there.
func (s *ruleSet) Judges(rule, path string) bool {
	info := newFileInfo(path)
	for i := range s.rules {
		if r := &s.rules[i]; r.id == rule && r.applies(path, info) {
			return true
		}
	}
	return false
}

// Review applies every rule to the added lines of every diffed file. Once
// ctx is done it stops and returns context.Cause(ctx).
func (s *ruleSet) Review(ctx context.Context, pr *PullRequest) ([]Finding, error) {
	if pr == nil || len(s.rules) == 0 {
		return nil, nil
	}
	sc := scanner{ctx: ctx}
	for i := range pr.Files {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		f := &pr.Files[i]
		if f.Skipped != "" || len(f.Hunks) == 0 {
			continue
		}
		info := newFileInfo(f.Path)
		info.generated = info.generated || hasGeneratedHeader(f)
		sc.rules = sc.rules[:0]
		code, hints := false, false
		for j := range s.rules {
			if r := &s.rules[j]; r.applies(f.Path, info) {
				sc.rules = append(sc.rules, r)
				code = code || r.code
				hints = hints || len(r.hintBytes) > 0
			}
		}
		if len(sc.rules) == 0 {
			continue
		}
		sc.path = f.Path
		sc.sx, sc.lexing = syntaxFor(f.Path)
		sc.lexing = sc.lexing && code
		sc.lowering = hints
		for j := range f.Hunks {
			sc.hunk(&f.Hunks[j])
		}
		if sc.err != nil {
			return nil, sc.err
		}
	}
	return sc.findings, nil
}

// applies reports whether the rule applies to the file at path.
func (r *rule) applies(path string, info fileInfo) bool {
	if r.paths != nil {
		return r.paths(path)
	}
	return r.files == nil || r.files(info)
}

// scanner applies the rules selected for one file to its hunks, one run of
// consecutive new-side lines (context and added) at a time; only added
// lines are flagged. Its buffers are reused from run to run.
type scanner struct {
	ctx   context.Context
	err   error // context.Cause(ctx), once a match saw ctx done
	path  string
	rules []*rule
	run   []runLine
	lower []byte // the run's lines in ASCII lower case, back to back
	code  []byte // the run's code views, back to back, when lexing
	// sx is the file's syntax; lexing says whether the rules match the
	// code views of its lines (a code rule applies and the lexer knows the
	// language).
	sx       syntax
	lexing   bool
	lowering bool   // a rule has hints: the run's lines are lowered
	covered  []span // findings of this run, by rule id
	findings []Finding
}

// runLine is one line of a run of consecutive new-side lines.
type runLine struct {
	no       int
	added    bool
	text     string
	lo, hi   int // the line's bytes in scanner.lower
	clo, chi int // the line's code view in scanner.code, when lexing
}

// span is a range of run indexes flagged under a rule id.
type span struct {
	id       string
	from, to int
}

// hunk scans a hunk's new-side lines (context and added, in order) as one
// run; a hand-built hunk whose line numbers jump is split where they do.
//
// When lexing, the lines are lexed in order from the hunk's StartState
// (deleted lines are not on the new side), so a comment or string opened on
// one line is known on the next.
func (sc *scanner) hunk(h *Hunk) {
	st := h.StartState
	sc.run = sc.run[:0]
	for _, l := range h.Lines {
		if l.Kind == Deleted {
			continue
		}
		if n := len(sc.run); n > 0 && sc.run[n-1].no != l.New-1 {
			sc.scanRun()
		}
		rl := runLine{no: l.New, added: l.Kind == Added, text: l.Text}
		if sc.lexing {
			rl.clo = len(sc.code)
			sc.code = append(sc.code, l.Text...)
			rl.chi = len(sc.code)
			st = sc.sx.lex(l.Text, st, sc.code[rl.clo:rl.chi])
		}
		sc.run = append(sc.run, rl)
	}
	sc.scanRun()
}

// scanRun applies the rules to the current run, then empties it.
func (sc *scanner) scanRun() {
	if len(sc.run) == 0 {
		return
	}
	sc.lower = sc.lower[:0]
	for i := range sc.run {
		l := &sc.run[i]
		l.lo = len(sc.lower)
		if l.added && sc.lowering {
			sc.lower = appendLower(sc.lower, l.text)
		}
		l.hi = len(sc.lower)
	}
	sc.covered = sc.covered[:0]
	for _, r := range sc.rules {
		if r.endRe != nil {
			sc.scanBlocks(r)
		} else {
			for i := range sc.run {
				if sc.fires(r, i) {
					sc.emit(r, i, i, i)
				}
			}
		}
	}
	sc.run = sc.run[:0]
	sc.code = sc.code[:0]
}

// scanBlocks applies a block rule to the current run.
func (sc *scanner) scanBlocks(r *rule) {
	open := -1
	for i := range sc.run {
		if !sc.run[i].added {
			if open >= 0 && !r.acrossContext {
				if !r.endRequired {
					sc.emit(r, open, open, open)
				}
				open = -1
			}
			continue
		}
		if open >= 0 && r.endRe.MatchString(sc.run[i].text) {
			to := open // the block's first run of added lines ends at to
			for to < i && sc.run[to+1].added {
				to++
			}
			sc.emit(r, open, to, i)
			open = -1
			continue
		}
		if sc.fires(r, i) {
			if open >= 0 && !r.endRequired {
				sc.emit(r, open, open, open)
			}
			open = i
		}
	}
	if open >= 0 && !r.endRequired {
		sc.emit(r, open, open, open)
	}
}

// fires reports whether rule r flags line i of the run.
func (sc *scanner) fires(r *rule, i int) bool {
	l := &sc.run[i]
	if !l.added {
		return false
	}
	if len(r.hintBytes) > 0 {
		low, hit := sc.lower[l.lo:l.hi], false
		for _, h := range r.hintBytes {
			if hit = bytes.Contains(low, h); hit {
				break
			}
		}
		if !hit {
			return false
		}
	}
	if sc.isCovered(r.id, i) {
		return false
	}
	// A code rule matches the code view; without one (a language the
	// lexer does not know), it skips whole-line comments.
	var view []byte // nil: the pattern sees the text
	if r.code {
		if sc.lexing {
			view = sc.code[l.clo:l.chi]
		} else if isComment(l.text) {
			return false
		}
	}
	if !sc.matches(r, l.text, view) {
		return false
	}
	prev, hasPrev := "", i > 0
	if hasPrev {
		prev = sc.run[i-1].text
	}
	if strings.Contains(l.text, IgnoreMarker) || hasPrev && strings.Contains(prev, IgnoreNextMarker) {
		return false
	}
	return !(hasPrev && r.unlessPrev != nil && r.unlessPrev.MatchString(prev))
}

// matches applies rule r's patterns to one line: unless to its text,
// which holds its comments (eslint-disable-line, nolint), and pattern to
// view, its code view for a code rule, or to its text when view is nil.
// Once the scan's context is done it reports false and records why.
func (sc *scanner) matches(r *rule, text string, view []byte) bool {
	if sc.err != nil || r.unlessRe != nil && r.unlessRe.MatchString(text) {
		return false
	}
	if view != nil {
		if len(view) <= matchSteps/max(r.size, 1) {
			return r.re.Match(view)
		}
		text = string(view) // a long line: matched in chunks
	}
	matched, err := matchBounded(sc.ctx, r.re, r.size, text)
	sc.err = err
	return matched
}

// isCovered reports whether line i already has a finding of rule id.
func (sc *scanner) isCovered(id string, i int) bool {
	for _, s := range sc.covered {
		if s.id == id && s.from <= i && i <= s.to {
			return true
		}
	}
	return false
}

// emit records a finding of rule r over run lines from..to, and marks
// from..cover as covered by it.
func (sc *scanner) emit(r *rule, from, to, cover int) {
	sc.covered = append(sc.covered, span{id: r.id, from: from, to: cover})
	sc.findings = append(sc.findings, Finding{
		Path:      sc.path,
		StartLine: sc.run[from].no,
		EndLine:   sc.run[to].no,
		Rule:      r.id,
		Severity:  r.severity,
		Message:   r.message,
	})
}

// appendLower appends s to dst with ASCII letters in lower case.
func appendLower(dst []byte, s string) []byte {
	for i := range len(s) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
