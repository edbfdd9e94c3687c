package ingest

import (
	"strings"
	"unicode/utf8"

	"github.com/azreviewer/azreviewer/internal/events"
)

// validCommit reports whether s is a full Git object id: 40 (SHA-1) or 64
// (SHA-256) hexadecimal digits.
func validCommit(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// MaxNameBytes bounds the display names a review request carries (project
// and repository): Azure DevOps allows 64 characters; a longer name is cut.
const MaxNameBytes = 256

// maxOrgURLBytes bounds the organisation URL read from a payload; a longer
// one is refused.
const maxOrgURLBytes = 512

// clipName returns s cut to at most MaxNameBytes.
func clipName(s string) string { return cutBytes(s, MaxNameBytes) }

// capComment returns content cut to [events.MaxCommentBytes], at its last line
// break before the limit if it has one, and whether it was cut.
func capComment(content string) (string, bool) {
	if len(content) <= events.MaxCommentBytes {
		return content, false
	}
	if i := strings.LastIndexByte(content[:events.MaxCommentBytes], '\n'); i >= 0 {
		return content[:i+1], true
	}
	return cutBytes(content, events.MaxCommentBytes), true
}

// cutBytes returns s cut to at most n bytes, before the character that
// straddles the limit.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
