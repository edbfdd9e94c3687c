package reviewer

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// Severity is how serious a [Finding] is.
type Severity string

// The severities, from least to most serious.
const (
	// SeverityInfo is a remark the author may ignore.
	SeverityInfo Severity = "info"
	// SeverityWarning is probably a mistake.
	SeverityWarning Severity = "warning"
	// SeverityError must be fixed before merging.
	SeverityError Severity = "error"
)

// Rank orders severities: 1 for info, 2 for warning, 3 for error and 0 for
// anything else.
func (s Severity) Rank() int {
	switch s {
	case SeverityInfo:
		return 1
	case SeverityWarning:
		return 2
	case SeverityError:
		return 3
	default:
		return 0
	}
}

// Valid reports whether s is one of the defined severities.
func (s Severity) Valid() bool { return s.Rank() > 0 }

// AtLeast reports whether s is at least as serious as threshold.
func (s Severity) AtLeast(threshold Severity) bool { return s.Rank() >= threshold.Rank() }

// Finding is one problem a [Reviewer] found, anchored to new-side lines.
type Finding struct {
	// Path is the file's path as in [FileDiff.Path].
	Path string `json:"path"`
	// StartLine is the first flagged new-side line, 1-based.
	StartLine int `json:"start_line"`
	// EndLine is the last flagged new-side line, inclusive. A reviewer may
	// leave it 0 for a single line; [Run] then sets it to StartLine.
	EndLine int `json:"end_line"`
	// StartOffset is the 1-based column where the anchor starts on
	// StartLine, in UTF-16 code units as Azure DevOps' web editor counts
	// them (a character outside the Basic Multilingual Plane, such as an
	// emoji, is two); [Run] sets it to 1.
	StartOffset int `json:"start_offset"`
	// EndOffset is the 1-based column just past the anchor on EndLine, in
	// UTF-16 code units; [Run] sets it to that line's length in UTF-16 code
	// units plus 1, so the anchor covers the whole lines.
	EndOffset int `json:"end_offset"`
	// Rule is the stable id of what was found, like "secret/github-pat".
	Rule string `json:"rule"`
	// Severity is how serious the finding is.
	Severity Severity `json:"severity"`
	// Message says what is wrong and what to do, as plain text (backticks
	// mark code); it is escaped when posted. It never quotes secrets.
	Message string `json:"message"`
	// Suggestion, when set, is replacement text for the flagged lines,
	// posted as a suggestion the author can apply.
	Suggestion string `json:"suggestion,omitempty"`
	// ContentHash is the hex SHA-256 of the flagged lines' text, each line
	// trimmed of surrounding white space and the lines joined by "\n". [Run]
	// fills it from the diff; [Finding.Fingerprint] uses it so that the
	// fingerprint does not depend on line numbers. The text itself is not
	// kept, since it may hold a secret.
	ContentHash string `json:"content_hash,omitempty"`
	// Repeat is how many findings of the same rule, path and flagged text
	// come before this one in its file, in line order: 0 for the first, 1
	// for the second. [Run] fills it; [Finding.Fingerprint] uses it to tell
	// identical findings in one file apart.
	Repeat int `json:"repeat,omitempty"`
	// FormerRules are rule ids under which earlier releases reported the same
	// problem, such as the ids of a rule set since replaced. A thread posted
	// for one of them ([Finding.Fingerprints]) is this finding's thread.
	FormerRules []string `json:"former_rules,omitempty"`
}

// Fingerprint identifies the finding independently of its line numbers: it
// is a 32-digit hex digest of the rule, the path and [Finding.ContentHash],
// so the same problem keeps its fingerprint when lines are inserted above it,
// and differs when the flagged text changes. A repeated finding (Repeat n > 0,
// the same rule and text further down the same file) has that digest
// followed by "#" and its place, n+1: "#2" for the second, so each gets its
// own thread. The first keeps the plain digest, as releases before Repeat
// gave every occurrence. It is stable across releases; a caller can store it
// in a posted comment to recognise the finding later. Without a ContentHash
// (a finding that did not go through [Run]) the message stands in for the
// text.
func (f Finding) Fingerprint() string {
	fp := f.baseFingerprint()
	if f.Repeat > 0 {
		fp += "#" + strconv.Itoa(f.Repeat+1)
	}
	return fp
}

// Fingerprints returns [Finding.Fingerprint] followed by the fingerprints
// the finding had under each of its [Finding.FormerRules]: every fingerprint
// a thread posted for it may carry.
func (f Finding) Fingerprints() []string {
	out := []string{f.Fingerprint()}
	for _, r := range f.FormerRules {
		g := f
		g.Rule, g.FormerRules = r, nil
		out = append(out, g.Fingerprint())
	}
	return out
}

// baseFingerprint is the fingerprint without the repeat: the digest of the
// rule, the path and the flagged text.
func (f Finding) baseFingerprint() string {
	content := f.ContentHash
	if content == "" {
		content = "message:" + f.Message
	}
	h := sha256.New()
	for _, part := range []string{"azreviewer-finding-v1", f.Rule, f.Path, content} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// numberRepeats sets each finding's Repeat: how many findings before it in
// findings, which are in line order within each file, have its rule, path
// and flagged text.
func numberRepeats(findings []Finding) {
	seen := make(map[string]int, len(findings))
	for i := range findings {
		base := findings[i].baseFingerprint()
		findings[i].Repeat = seen[base]
		seen[base]++
	}
}

// contentHash returns the hex SHA-256 of lines, each trimmed of surrounding
// white space, joined by "\n".
func contentHash(lines []string) string {
	h := sha256.New()
	for i, l := range lines {
		if i > 0 {
			h.Write([]byte{'\n'})
		}
		h.Write([]byte(strings.TrimSpace(l)))
	}
	return hex.EncodeToString(h.Sum(nil))
}
