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
// Besides the rules' findings it counts as secret the key material a hunk
// can show without its BEGIN line: the base64 lines before an END PRIVATE
// KEY line, and every base64 line of a key file (.pem, .key, id_rsa, …).
func (s *SecretRules) Lines(path string, lines []string) []bool {
	hit := s.ruleLines(path, lines)
	keyMaterial(path, lines, hit)
	return hit
}

// keyMaterial marks in hit the lines of lines that are private-key
// material no rule can recognise alone.
func keyMaterial(path string, lines []string, hit []bool) {
	keyFile := isKeyFile(path)
	for i, l := range lines {
		switch {
		case keyFile && isBase64Line(l):
			hit[i] = true
		case strings.Contains(l, "-----END ") && strings.Contains(l, "PRIVATE KEY-----"):
			hit[i] = true
			for j := i - 1; j >= 0 && isBase64Line(lines[j]); j-- {
				hit[j] = true
			}
		}
	}
}

// isKeyFile reports whether path names a file that usually holds a key.
func isKeyFile(path string) bool {
	base := strings.ToLower(path[strings.LastIndexByte(path, '/')+1:])
	for _, ext := range []string{".pem", ".key", ".p8", ".ppk"} {
		if strings.HasSuffix(base, ext) {
			return true
		}
	}
	return strings.HasPrefix(base, "id_rsa") || strings.HasPrefix(base, "id_ecdsa") || strings.HasPrefix(base, "id_ed25519") || strings.HasPrefix(base, "id_dsa")
}

// isBase64Line reports whether l, without surrounding space, is a
// non-empty run of the base64 alphabet, as the lines of a PEM block are.
func isBase64Line(l string) bool {
	l = strings.TrimSpace(l)
	if l == "" {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// ruleLines reports which of lines a built-in secret rule flags.
func (s *SecretRules) ruleLines(path string, lines []string) []bool {
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
