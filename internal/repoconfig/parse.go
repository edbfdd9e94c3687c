package repoconfig

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	// Line and Column locate the problem, 1-based; 0 when unknown.
	Line, Column int
	// Field is the path of the offending key, like "severity_threshold",
	// "limits.max_files" or "custom_rules[1].pattern" (0-based index); empty
	// for the file as a whole (a YAML syntax error).
	Field string
	// Message says what is wrong and what is expected.
	Message string
}

// Error returns the problem with the file name, e.g.
//
//	.azreviewer.yaml line 7, column 21: severity_threshold: "urgent" is not one of info, warning, error
func (p Problem) Error() string { return FileName + " " + p.Detail() }

// Detail returns the problem without the file name:
// "line 7, column 21: severity_threshold: …".
func (p Problem) Detail() string {
	var sb strings.Builder
	switch {
	case p.Line > 0 && p.Column > 0:
		fmt.Fprintf(&sb, "line %d, column %d: ", p.Line, p.Column)
	case p.Line > 0:
		fmt.Fprintf(&sb, "line %d: ", p.Line)
	}
	if p.Field != "" {
		sb.WriteString(p.Field + ": ")
	}
	sb.WriteString(p.Message)
	return sb.String()
}

// Error is what [Parse] returns for an invalid file: every problem found, in
// file order.
type Error struct {
	Problems []Problem
}

// Error returns the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so that errors.As finds a [Problem].
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// Parse reads a .azreviewer.yaml file (see the package documentation for the
// format). It is strict: an unknown key, a value of the wrong type, an
// invalid severity, regular expression or glob, a duplicate or malformed
// custom rule id, a negative limit or a version other than 1 is an error.
// It bounds what the file can cost: a file over [MaxFileBytes] or nested
// deeper than [MaxDepth] is refused before it is parsed, more than
// [MaxCustomRules] custom rules or a pattern over [MaxPatternProgram]
// (all patterns over [MaxCustomProgram]) before it is compiled.
// It reports every problem it finds, not just the first, as an [*Error]
// whose problems name the line, column and field and say what is expected;
// a YAML syntax error stops parsing and is reported alone. On error the
// returned Config is the zero Config.
//
// An empty file (or one with only comments) is valid and sets nothing but
// the version, which is 1 when the file does not say. A key
// with no value (like "ignore:" alone) is the same as leaving the key out.
// Anchors and aliases are resolved; merge keys (<<) are not supported. A
// UTF-8 byte order mark and CRLF line endings are accepted.
func Parse(data []byte) (Config, error) {
	if p := sizeProblem(data); p != nil {
		return Config{}, &Error{Problems: []Problem{*p}}
	}
	p := &decoder{anchors: map[string]ast.Node{}}
	var cfg Config
	if root, ok := p.root(data); ok && root != nil {
		p.config(root, "", "the file to be a mapping of keys (version, reviewers, rules, …)", &cfg)
	}
	if cfg.Version == 0 {
		cfg.Version = Version
	}
	if len(p.problems) > 0 {
		return Config{}, &Error{Problems: p.sorted()}
	}
	return cfg, nil
}

// root parses data into its single document's body (nil for an empty
// file). A depth or syntax problem stops there and is reported alone (ok
// false).
func (d *decoder) root(data []byte) (root ast.Node, ok bool) {
	// Windows editors may write a byte order mark and CRLF line endings;
	// goccy/go-yaml trips on the first and counts lines wrong with the second.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	// Tokenizing is linear in the file's size; parsing is not in its depth.
	tokens := lexer.Tokenize(string(data))
	if p := depthProblem(tokens); p != nil {
		d.problems = append(d.problems, *p)
		return nil, false
	}
	file, err := parser.Parse(tokens, 0)
	if err != nil {
		d.problems = append(d.problems, syntaxProblem(err))
		return nil, false
	}
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if root != nil {
			d.add(doc.Body, "", "the file must hold a single YAML document, but another one starts here (after ---)")
			break
		}
		root = doc.Body
	}
	return root, true
}

// sorted returns the problems in file order.
func (d *decoder) sorted() []Problem {
	slices.SortStableFunc(d.problems, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return d.problems
}

// syntaxProblem turns a goccy/go-yaml parse error into a Problem.
func syntaxProblem(err error) Problem {
	var ye yaml.Error
	if errors.As(err, &ye) {
		pr := Problem{Message: "YAML syntax error: " + ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			pr.Line, pr.Column = tk.Position.Line, tk.Position.Column
		}
		return pr
	}
	return Problem{Message: "YAML syntax error: " + err.Error()}
}

// decoder walks the YAML tree of a file, filling a Config and collecting
// problems.
type decoder struct {
	problems []Problem
	anchors  map[string]ast.Node
	// hide: no problem shows the file's text, but for the keys the
	// decoder knows ([Decoder.HideText]).
	hide bool
}

// show is s (a key or value of the file) as a problem shows it: quoted,
// or "the value (not shown)" when the decoder hides the file's text.
func (d *decoder) show(s string) string {
	if d.hide {
		return "the value (not shown)"
	}
	return strconv.Quote(s)
}

// reason is why pe's pattern is refused, without the pattern's text when
// the decoder hides it.
func (d *decoder) reason(pe *PatternError) string {
	if !d.hide {
		return pe.Reason
	}
	var se *syntax.Error
	switch {
	case pe.Size > 0:
		return fmt.Sprintf("it is larger than %d instructions, the limit", MaxPatternProgram)
	case errors.As(pe.Err, &se):
		return string(se.Code)
	}
	return "it does not compile"
}

// add records a problem at node n (the file start when n is nil).
func (d *decoder) add(n ast.Node, field, format string, args ...any) {
	pr := Problem{Field: field, Message: fmt.Sprintf(format, args...)}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && !m.IsFlowStyle {
		n = m.Values[0].Key // a block mapping's token is its first ':'
	}
	if n != nil {
		if tk := n.GetToken(); tk != nil && tk.Position != nil {
			pr.Line, pr.Column = tk.Position.Line, tk.Position.Column
		}
	}
	d.problems = append(d.problems, pr)
}

// resolve follows tags, anchors and aliases to the node holding the value.
func (d *decoder) resolve(n ast.Node, field string) ast.Node {
	for range 100 {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			if v.Name != nil {
				d.anchors[v.Name.GetToken().Value] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				if d.hide {
					d.add(n, field, "an alias refers to no anchor defined before it (its name not shown)")
				} else {
					d.add(n, field, "alias *%s refers to no anchor &%s defined before it", name, name)
				}
				return nil
			}
			n = target
		default:
			return n
		}
	}
	d.add(n, field, "too many nested aliases")
	return nil
}

// describe names what a node holds, for "got …" in messages: by its kind
// alone when the decoder hides the file's text.
func (d *decoder) describe(n ast.Node) string {
	if d.hide {
		switch n.(type) {
		case *ast.StringNode:
			return "a string"
		case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
			return "a number"
		case *ast.BoolNode:
			return "true or false"
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, *ast.LiteralNode, *ast.NullNode, nil:
		default:
			return "a value"
		}
	}
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping (key: value)"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return strconv.Quote(v.Value)
	case *ast.LiteralNode:
		return "a block of text"
	default:
		return n.GetToken().Value
	}
}

// unknown is an unknown key as a problem shows it: quoted, or not at all
// when the decoder hides the file's text.
func (d *decoder) unknown(key string) string {
	if d.hide {
		return ", not shown as it may be a secret written in the wrong place"
	}
	return " " + strconv.Quote(key)
}

// unknownKey records the problem of key, at keyNode, which is not among
// the keys names of the mapping at path.
func (d *decoder) unknownKey(keyNode ast.Node, path, key string, names []string) {
	d.add(keyNode, path, "unknown key%s%s; the keys allowed here are %s",
		d.unknown(key), suggest(key, names), strings.Join(names, ", "))
}

// field is one known key of a mapping and how to decode its value.
type field struct {
	name   string
	decode func(value ast.Node, path string)
}

// mapping decodes a mapping whose keys must be among fields. It reports
// unknown keys, and values that are not mappings. Null values are skipped.
func (d *decoder) mapping(n ast.Node, path, what string, fields []field) {
	entries, ok := d.entries(n, path, what)
	if !ok {
		return
	}
	for _, e := range entries {
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == e.key })
		if i < 0 {
			names := make([]string, len(fields))
			for j, f := range fields {
				names[j] = f.name
			}
			d.unknownKey(e.keyNode, path, e.key, names)
			continue
		}
		if e.value == nil {
			continue
		}
		fields[i].decode(e.value, join(path, e.key))
	}
}

// entry is one key of a mapping, with its value resolved (nil for null).
type entry struct {
	key     string
	keyNode ast.Node
	value   ast.Node
}

// entries returns the keys and values of a mapping node, reporting a node
// that is not a mapping ("got …, expected <what>") and merge keys.
func (d *decoder) entries(n ast.Node, path, what string) ([]entry, bool) {
	n = d.resolve(n, path)
	if n == nil {
		return nil, false
	}
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	case *ast.NullNode:
		return nil, true
	default:
		d.add(n, path, "expected %s, got %s", what, d.describe(n))
		return nil, false
	}
	out := make([]entry, 0, len(values))
	for _, mv := range values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			d.add(mv.Key, path, "merge keys (<<) are not supported; write the keys out")
			continue
		}
		var key string
		if s, ok := mv.Key.(*ast.StringNode); ok {
			key = s.Value
		} else {
			key = mv.Key.GetToken().Value
		}
		e := entry{key: key, keyNode: mv.Key}
		if v := d.resolve(mv.Value, join(path, key)); v != nil {
			if _, null := v.(*ast.NullNode); !null {
				e.value = v
			}
		}
		if e.value == nil && mv.Value != nil {
			if _, alias := mv.Value.(*ast.AliasNode); alias {
				continue // reported by resolve when unresolved
			}
		}
		out = append(out, e)
	}
	return out, true
}

// sequence returns the items of a list node; what describes the list.
func (d *decoder) sequence(n ast.Node, path, what string) ([]ast.Node, bool) {
	n = d.resolve(n, path)
	if n == nil {
		return nil, false
	}
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		d.add(n, path, "expected %s, got %s", what, d.describe(n))
		return nil, false
	}
	items := make([]ast.Node, len(s.Values))
	for i, v := range s.Values {
		items[i] = d.resolve(v, index(path, i))
	}
	return items, true
}

// str decodes a scalar as a string: numbers and booleans count as their text.
func (d *decoder) str(n ast.Node, path string) (string, bool) {
	switch v := n.(type) {
	case nil:
		return "", false
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.NullNode:
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return n.GetToken().Value, true
	default:
		d.add(n, path, "expected a string, got %s", d.describe(n))
		return "", false
	}
}

// strList decodes a list of strings, nil and false on error. check, when set,
// validates each item.
func (d *decoder) strList(n ast.Node, path, what string, check func(item ast.Node, path, s string) bool) ([]string, bool) {
	items, ok := d.sequence(n, path, what)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(items))
	good := true
	for i, it := range items {
		p := index(path, i)
		s, ok := d.str(it, p)
		if ok && check != nil {
			ok = check(it, p, s)
		}
		if !ok {
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}

// boolean decodes true or false.
func (d *decoder) boolean(n ast.Node, path string) (bool, bool) {
	if b, ok := n.(*ast.BoolNode); ok {
		return b.Value, true
	}
	d.add(n, path, "expected true or false, got %s", d.describe(n))
	return false, false
}

// nonNegative decodes a whole number ≥ 0.
func (d *decoder) nonNegative(n ast.Node, path string) (int, bool) {
	in, ok := n.(*ast.IntegerNode)
	if !ok {
		d.add(n, path, "expected a whole number (0 or more), got %s", d.describe(n))
		return 0, false
	}
	var v int64
	switch x := in.Value.(type) {
	case int64:
		v = x
	case uint64:
		if x > math.MaxInt32 {
			v = math.MaxInt64
		} else {
			v = int64(x)
		}
	}
	switch {
	case v < 0:
		d.add(n, path, "%d is negative; expected 0 (no limit) or more", v)
		return 0, false
	case v > math.MaxInt32:
		d.add(n, path, "%s is too large; expected at most %d", in.Token.Value, math.MaxInt32)
		return 0, false
	}
	return int(v), true
}

// severity decodes one of info, warning, error.
func (d *decoder) severity(n ast.Node, path string) (reviewer.Severity, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return "", false
	}
	if sev := reviewer.Severity(s); sev.Valid() {
		return sev, true
	}
	d.add(n, path, "%s is not one of info, warning, error", d.show(s))
	return "", false
}

// config decodes the keys of the file from n (the whole file, or a
// mapping of a larger one at path); what says what n should be.
func (d *decoder) config(n ast.Node, path, what string, cfg *Config) {
	d.mapping(n, path, what, []field{
		{"version", func(n ast.Node, path string) {
			in, ok := n.(*ast.IntegerNode)
			if !ok || in.GetToken().Value != strconv.Itoa(Version) {
				d.add(n, path, "%s is not supported; the only version is %d", d.describe(n), Version)
				return
			}
			cfg.Version = Version
		}},
		{"reviewers", func(n ast.Node, path string) { cfg.ReviewersOn = d.reviewers(n, path) }},
		{"rules", func(n ast.Node, path string) { d.rules(n, path, &cfg.Rules) }},
		{"severity_threshold", func(n ast.Node, path string) {
			cfg.SeverityThreshold, _ = d.severity(n, path)
		}},
		{"ignore", func(n ast.Node, path string) {
			cfg.Ignore, _ = d.strList(n, path, "a list of glob patterns, like [\"vendor/**\"]", d.glob)
		}},
		{"limits", func(n ast.Node, path string) {
			d.mapping(n, path, "a mapping with max_files and max_lines", []field{
				{"max_files", func(n ast.Node, path string) {
					if v, ok := d.nonNegative(n, path); ok {
						cfg.Limits.MaxFiles = ptr(v)
					}
				}},
				{"max_lines", func(n ast.Node, path string) {
					if v, ok := d.nonNegative(n, path); ok {
						cfg.Limits.MaxLines = ptr(v)
					}
				}},
			})
		}},
		{"custom_rules", func(n ast.Node, path string) { cfg.Custom = d.customRules(n, path) }},
		{"secrets", func(n ast.Node, path string) { d.secrets(n, path, &cfg.Secrets) }},
		{"llm", func(n ast.Node, path string) {
			d.mapping(n, path, "a mapping with instructions, language, context_lines, guidance and max_requests", []field{
				{"instructions", func(n ast.Node, path string) {
					s, ok := d.str(n, path)
					if ok && utf8.RuneCountInString(s) > MaxInstructions {
						d.add(n, path, "is %d characters long; the limit is %d", utf8.RuneCountInString(s), MaxInstructions)
						return
					}
					cfg.LLM.Instructions = strings.TrimSpace(s)
				}},
				{"language", func(n ast.Node, path string) {
					s, ok := d.str(n, path)
					s = strings.TrimSpace(s)
					if ok && (utf8.RuneCountInString(s) > MaxLanguage || strings.ContainsAny(s, "\r\n")) {
						d.add(n, path, "expected a language name like \"English\" on one line, of at most %d characters", MaxLanguage)
						return
					}
					cfg.LLM.Language = s
				}},
				{"context_lines", func(n ast.Node, path string) {
					v, ok := d.nonNegative(n, path)
					if ok && v > MaxContextLines {
						d.add(n, path, "is %d; the limit is %d lines", v, MaxContextLines)
						return
					}
					if ok {
						cfg.LLM.ContextLines = ptr(v)
					}
				}},
				{"guidance", func(n ast.Node, path string) {
					if v, ok := d.boolean(n, path); ok {
						cfg.LLM.Guidance = ptr(v)
					}
				}},
				{"max_requests", func(n ast.Node, path string) {
					v, ok := d.nonNegative(n, path)
					if ok && v == 0 {
						d.add(n, path, "is 0; expected 1 or more (to send the model nothing, switch it off with reviewers: {llm: false})")
						return
					}
					if ok {
						cfg.LLM.MaxRequests = ptr(v)
					}
				}},
			})
		}},
	})
}

// reviewers decodes the on/off switches.
func (d *decoder) reviewers(n ast.Node, path string) map[string]bool {
	entries, ok := d.entries(n, path, "a mapping of reviewer names to true or false, like {llm: false}")
	if !ok || len(entries) == 0 {
		return nil
	}
	out := make(map[string]bool, len(entries))
	for _, e := range entries {
		p := join(path, e.key)
		if !slices.Contains(knownReviewers, e.key) {
			d.add(e.keyNode, path, "unknown reviewer%s%s; the reviewers are %s",
				d.unknown(e.key), suggest(e.key, knownReviewers), strings.Join(knownReviewers, ", "))
			continue
		}
		if e.value == nil {
			continue
		}
		if on, ok := d.boolean(e.value, p); ok {
			out[e.key] = on
		}
	}
	return out
}

// rules decodes rules: disable and severity.
func (d *decoder) rules(n ast.Node, path string, out *Rules) {
	d.mapping(n, path, "a mapping with disable and severity", []field{
		{"disable", func(n ast.Node, path string) {
			out.Disable, _ = d.strList(n, path, "a list of rule ids, like [\"debug/console-log\"]", d.ruleID)
		}},
		{"severity", func(n ast.Node, path string) {
			entries, ok := d.entries(n, path, "a mapping of rule ids to severities, like {\"debug/go-print\": warning}")
			if !ok {
				return
			}
			for _, e := range entries {
				if !d.ruleID(e.keyNode, path, e.key) || e.value == nil {
					continue
				}
				if sev, ok := d.severity(e.value, join(path, e.key)); ok {
					if out.Severity == nil {
						out.Severity = map[string]reviewer.Severity{}
					}
					out.Severity[e.key] = sev
				}
			}
		}},
	})
}

// secrets decodes secrets: allow, with paths, values and stopwords.
func (d *decoder) secrets(n ast.Node, path string, out *Secrets) {
	d.mapping(n, path, "a mapping with allow", []field{
		{"allow", func(n ast.Node, path string) {
			d.mapping(n, path, "a mapping with paths, values and stopwords", []field{
				{"paths", func(n ast.Node, path string) {
					out.Allow.Paths = d.allowList(n, path, "a list of glob patterns, like [\"testdata/**\"]", d.glob)
				}},
				{"values", func(n ast.Node, path string) {
					program := 0 // the instructions of the patterns so far
					out.Allow.Values = d.allowList(n, path, "a list of regular expressions, like [\"^AKIA[A-Z0-9]{12}EXAMPLE$\"]", func(item ast.Node, path, s string) bool {
						if !d.valuePattern(item, path, s) {
							return false
						}
						_, size, _ := compilePattern(s)
						before := program
						if program += size; program > MaxAllowProgram {
							if before <= MaxAllowProgram { // reported once, where the budget runs out
								d.add(item, path, "the allowed value patterns up to this one compile to %d instructions; the limit for all of them together is %d", program, MaxAllowProgram)
							}
							return false
						}
						return true
					})
				}},
				{"stopwords", func(n ast.Node, path string) {
					out.Allow.Stopwords = d.allowList(n, path, "a list of words, like [\"dummy\"]", d.stopword)
				}},
			})
		}},
	})
}

// allowList decodes one list of secrets.allow, of at most MaxAllowEntries
// entries each passing check.
func (d *decoder) allowList(n ast.Node, path, what string, check func(item ast.Node, path, s string) bool) []string {
	list, _ := d.strList(n, path, what, check)
	if len(list) > MaxAllowEntries {
		d.add(n, path, "has %d entries; the limit is %d", len(list), MaxAllowEntries)
		return nil
	}
	return list
}

// valuePattern checks a secrets.allow.values regular expression.
func (d *decoder) valuePattern(n ast.Node, path, s string) bool {
	var pe *PatternError
	switch _, _, err := compilePattern(s); {
	case s == "":
		d.add(n, path, "is empty; expected a regular expression")
	case errors.As(err, &pe) && pe.Size > 0:
		d.add(n, path, "%s is too large: %s", d.show(abbreviate(s, 80)), d.reason(pe))
	case errors.As(err, &pe):
		d.add(n, path, "%s is not a valid Go (RE2) regular expression: %s", d.show(abbreviate(s, 80)), d.reason(pe))
	default:
		return true
	}
	return false
}

// stopword checks a secrets.allow.stopwords entry.
func (d *decoder) stopword(n ast.Node, path, s string) bool {
	if len(s) < MinStopword || len(s) > MaxStopword || strings.TrimSpace(s) != s {
		d.add(n, path, "%s: a stop word has %d to %d characters and no surrounding spaces", d.show(abbreviate(s, 80)), MinStopword, MaxStopword)
		return false
	}
	return true
}

// customRules decodes custom_rules.
func (d *decoder) customRules(n ast.Node, path string) []CustomRule {
	items, ok := d.sequence(n, path, "a list of rules, each with id, pattern and message")
	if !ok {
		return nil
	}
	if len(items) > MaxCustomRules {
		at := items[MaxCustomRules]
		if at == nil { // an alias to nothing, reported below
			at = n
		}
		d.add(at, index(path, MaxCustomRules),
			"more than %d custom rules (this list has %d); the limit is %d", MaxCustomRules, len(items), MaxCustomRules)
		items = items[:MaxCustomRules] // still checked, to report their problems too
	}
	out := make([]CustomRule, 0, len(items))
	seen := map[string]string{} // id → where it was first defined
	program := 0                // the instructions of the patterns so far
	for i, it := range items {
		p := index(path, i)
		var r CustomRule
		var idNode ast.Node
		set := map[string]bool{}
		d.mapping(it, p, "a rule: a mapping with id, pattern and message", []field{
			{"id", func(n ast.Node, path string) {
				s, _ := d.str(n, path)
				idNode, set["id"] = n, true
				switch {
				case strings.HasPrefix(s, CustomRulePrefix):
					d.add(n, path, "%s: write the id without the %q prefix, which findings get automatically", d.show(s), CustomRulePrefix)
				case !customID.MatchString(s):
					d.add(n, path, "%s is not a valid id; expected lower-case letters, digits and hyphens, starting with a letter or digit, at most 64 characters, like \"no-todo\"", d.show(s))
				default:
					r.ID = s
				}
			}},
			{"pattern", func(n ast.Node, path string) {
				s, ok := d.str(n, path)
				set["pattern"] = true
				if !ok {
					return
				}
				if s == "" {
					d.add(n, path, "is empty; expected a regular expression")
					return
				}
				_, size, err := compilePattern(s)
				var pe *PatternError
				switch {
				case errors.As(err, &pe) && pe.Size > 0:
					d.add(n, path, "%s is too large: %s", d.show(abbreviate(s, 80)), d.reason(pe))
					return
				case errors.As(err, &pe):
					d.add(n, path, "%s is not a valid Go (RE2) regular expression: %s", d.show(abbreviate(s, 80)), d.reason(pe))
					return
				}
				before := program
				if program += size; program > MaxCustomProgram {
					if before <= MaxCustomProgram { // reported once, where the budget runs out
						d.add(n, path, "the custom rules' patterns up to this one compile to %d instructions; the limit for all of them together is %d", program, MaxCustomProgram)
					}
					return
				}
				r.Pattern = s
			}},
			{"paths", func(n ast.Node, path string) {
				r.Paths, _ = d.strList(n, path, "a list of glob patterns, like [\"**/*.go\"]", d.glob)
			}},
			{"severity", func(n ast.Node, path string) { r.Severity, _ = d.severity(n, path) }},
			{"message", func(n ast.Node, path string) {
				s, ok := d.str(n, path)
				set["message"] = true
				if s = strings.TrimSpace(s); ok && s == "" {
					d.add(n, path, "is empty; expected the text of the comment: what is wrong and what to do")
				}
				r.Message = s
			}},
		})
		switch it.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
		default:
			continue // reported by mapping
		}
		for _, k := range []string{"id", "pattern", "message"} {
			if !set[k] {
				d.add(it, p, "%s is missing; every custom rule needs id, pattern and message", k)
			}
		}
		if r.ID != "" {
			where := fmt.Sprintf("%s (line %d)", p, line(idNode))
			if first, dup := seen[r.ID]; dup {
				d.add(idNode, join(p, "id"), "%s is already the id of %s; ids must be unique", d.show(r.ID), first)
			} else {
				seen[r.ID] = where
			}
		}
		out = append(out, r)
	}
	return out
}

// customID matches a custom rule id.
var customID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// ruleIDPattern matches a rule id: category/name, lower case.
var ruleIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_.-]*)+$`)

// ruleID checks a rule id used in rules.disable or rules.severity.
func (d *decoder) ruleID(n ast.Node, path, s string) bool {
	if ruleIDPattern.MatchString(s) {
		return true
	}
	d.add(n, path, "%s is not a rule id; rule ids look like \"debug/console-log\", or \"custom/no-todo\" for a custom rule", d.show(s))
	return false
}

// glob checks an ignore or paths pattern.
func (d *decoder) glob(n ast.Node, path, s string) bool {
	p := strings.TrimPrefix(s, "/")
	switch {
	case p == "":
		d.add(n, path, "is empty; expected a glob pattern like \"vendor/**\"")
	case !doublestar.ValidatePattern(p):
		d.add(n, path, "%s is not a valid glob pattern (check its brackets and braces); expected something like \"vendor/**\" or \"**/*.min.js\"", d.show(s))
	default:
		return true
	}
	return false
}

// regexpReason returns why a regular expression does not compile and the
// part of it at fault.
func regexpReason(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s in %q", se.Code, se.Expr)
	}
	return err.Error()
}

func line(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// suggest returns `; did you mean "x"?` when a known name is close to s.
func suggest(s string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := levenshtein(s, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// levenshtein returns the edit distance between a and b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
