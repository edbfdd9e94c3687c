package events

import (
	"strings"
	"unicode/utf8"
)

// MaxIDLength bounds every identifier a review request carries from a
// payload. Azure DevOps' ids are GUIDs (36 characters).
const MaxIDLength = 64

// MaxCommentBytes caps the comment text a review request carries: the
// comment is cut at its last line break within the first MaxCommentBytes
// bytes (or, for a single longer line, at the last whole character), so a
// comment command must start within the first 4 KiB of the comment.
// [CommentRef.Truncated] says when text was cut.
const MaxCommentBytes = 4 << 10

// ValidID reports whether s can be used, unchanged or lower-cased, as an
// identifier everywhere a review request's ids travel: as one NATS subject
// token, inside a JetStream key-value key (which allows only
// [-/_=.a-zA-Z0-9]), in a Nats-Msg-Id and in an Azure DevOps URL path. It
// accepts 1 to [MaxIDLength] ASCII letters, digits, '-' and '_': every GUID
// does.
func ValidID(s string) bool {
	if s == "" || len(s) > MaxIDLength {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

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

// MaxOrgURLBytes bounds the organisation URL read from a payload; a longer
// one is refused.
const MaxOrgURLBytes = 512

// clipName returns s cut to at most MaxNameBytes.
func clipName(s string) string { return cutBytes(s, MaxNameBytes) }

// capComment returns content cut to [MaxCommentBytes], at its last line
// break before the limit if it has one, and whether it was cut.
func capComment(content string) (string, bool) {
	if len(content) <= MaxCommentBytes {
		return content, false
	}
	if i := strings.LastIndexByte(content[:MaxCommentBytes], '\n'); i >= 0 {
		return content[:i+1], true
	}
	return cutBytes(content, MaxCommentBytes), true
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
