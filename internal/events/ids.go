package events

// maxIDLength bounds every identifier a review request carries from a
// payload. Azure DevOps' ids are GUIDs (36 characters).
const maxIDLength = 64

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
// accepts 1 to 64 ASCII letters, digits, '-' and '_': every GUID
// does.
func ValidID(s string) bool {
	if s == "" || len(s) > maxIDLength {
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
