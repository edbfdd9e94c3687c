package secrets

import (
	"context"
	"regexp"
	"strings"
)

// Lines reports which of lines — consecutive lines of the file at path,
// such as one side of a hunk — may hold a secret. Unlike a review it ignores
// suppression comments, allow-lists and the file's kind (a secret stays a
// secret), and it casts a wider net than the rules: it also counts any line
// that assigns a value other than a placeholder to a credential-named key
// (password = "hunter2"), the base64 lines before an END PRIVATE KEY line
// and after a BEGIN one (a hunk may show either without the other), and
// every base64 line of a key file (.pem, .key, id_rsa, …).
func (s *Scanner) Lines(path string, lines []string) []bool {
	hit := make([]bool, len(lines))
	if len(lines) == 0 {
		return hit
	}
	var t text
	for i, l := range lines {
		t.add(i+1, l, false)
	}
	for _, fr := range t.fragments() {
		for _, f := range s.detect(context.Background(), path, fr.raw) {
			for n := fr.line(f.StartLine); n <= fr.line(f.EndLine); n++ {
				hit[n] = true
			}
		}
	}
	for i, l := range lines {
		if assignsCredential(l) {
			hit[i] = true
		}
	}
	keyMaterial(path, lines, hit)
	return hit
}

// credentialAssignment matches a credential-named key given a value: the
// value is the last group.
var credentialAssignment = regexp.MustCompile(`(?i)(?:passw(?:or)?d|pwd|secret|api[_.-]?key|access[_.-]?key|private[_.-]?key|token|credentials?)["']?\s*(?:=|:=|:|=>)\s*["'` + "`" + `]?([^\s"'` + "`" + `,;]{4,})`)

// placeholder matches values that stand in for a secret or refer to one:
// ${VAR}, $(var), {{ var }}, <your-key>, %VAR%, __TOKEN__, changeme, xxxx…
var placeholder = regexp.MustCompile(`(?i)^(?:\$|\{|<|%|#\{|__|process\.env|os\.environ|changeme|changeit|example|placeholder|redacted|your|x{4,}$|\*{4,}$|null$|none$|nil$|undefined$|true$|false$|string$)`)

// assignsCredential reports whether line gives a credential-named key a
// value that is not a placeholder.
func assignsCredential(line string) bool {
	for _, m := range credentialAssignment.FindAllStringSubmatch(line, -1) {
		if !placeholder.MatchString(m[1]) {
			return true
		}
	}
	return false
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
		case strings.Contains(l, "-----BEGIN ") && strings.Contains(l, "PRIVATE KEY-----"):
			hit[i] = true
			for j := i + 1; j < len(lines) && isBase64Line(lines[j]); j++ {
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
	for _, p := range []string{"id_rsa", "id_ecdsa", "id_ed25519", "id_dsa"} {
		if strings.HasPrefix(base, p) {
			return true
		}
	}
	return false
}

// isBase64Line reports whether l, without surrounding space, is a
// non-empty run of the base64 alphabet, as the lines of a PEM block are.
func isBase64Line(l string) bool {
	l = strings.TrimSpace(l)
	if l == "" {
		return false
	}
	for i := range len(l) {
		c := l[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}
