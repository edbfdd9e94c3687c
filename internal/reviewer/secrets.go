package reviewer

import "strings"

// SecretRules finds the lines that hold a secret by the built-in secret
// rules (the rules whose id starts with "secret/"), so that such lines can
// be kept from anything that must not see them, such as an LLM prompt. It
// is safe for concurrent use.
type SecretRules struct {
	rules *ruleSet
}

// NewSecretRules returns the built-in secret rules.
func NewSecretRules() *SecretRules {
	var specs []ruleSpec
	for _, s := range ruleTable() {
		if strings.HasPrefix(s.id, "secret/") {
			specs = append(specs, s)
		}
	}
	rs, err := newRuleSet(specs)
	if err != nil {
		panic(err) // the table is static and compiled by the tests
	}
	return &SecretRules{rules: rs}
}

// Lines reports which of lines — consecutive lines of the file at path,
// such as one side of a hunk — hold a secret. Unlike a review, it ignores
// azreviewer:ignore comments and comment lines: a secret stays a secret.
func (s *SecretRules) Lines(path string, lines []string) []bool {
	hit := make([]bool, len(lines))
	if len(lines) == 0 {
		return hit
	}
	h := Hunk{Lines: make([]Line, len(lines))}
	size := 0
	for i, l := range lines {
		h.Lines[i] = Line{Kind: Added, New: i + 1, Text: l}
		size += len(l)
	}
	info := newFileInfo(path)
	sc := scanner{path: path, anyLine: true, run: make([]runLine, 0, len(lines)), lower: make([]byte, 0, size)}
	for j := range s.rules.rules {
		if r := &s.rules.rules[j]; r.files == nil || r.files(info) {
			sc.rules = append(sc.rules, r)
		}
	}
	if len(sc.rules) == 0 {
		return hit
	}
	sc.hunk(&h)
	for _, f := range sc.findings {
		for n := f.StartLine; n <= f.EndLine && n <= len(hit); n++ {
			hit[n-1] = true
		}
	}
	return hit
}
