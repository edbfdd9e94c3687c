package analyzers

import (
	"fmt"
	"strconv"
	"strings"
)

// Bounds of [SkippedNote].
const (
	// maxNotedPaths is how many skipped paths the note lists by name.
	maxNotedPaths = 20
	// maxNotedPathRunes is how much of one path the note shows.
	maxNotedPathRunes = 80
)

// SkippedNote is the summary line about changed files no external analyzer
// could be given, or "" without any: at most 20 paths, each shortened to 80
// characters and Go-quoted (so control characters show as escapes), with the
// reason. It is plain text: the summary renders it safe as Markdown.
func SkippedNote(skipped []SkippedPath) string {
	if len(skipped) == 0 {
		return ""
	}
	var b strings.Builder
	if len(skipped) == 1 {
		b.WriteString("External analyzers were not given 1 changed file, whose path a tool cannot take: ")
	} else {
		fmt.Fprintf(&b, "External analyzers were not given %d changed files, whose paths a tool cannot take: ", len(skipped))
	}
	for i, s := range skipped[:min(len(skipped), maxNotedPaths)] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%s)", quotePath(s.Path), s.Reason)
	}
	if n := len(skipped) - maxNotedPaths; n > 0 {
		fmt.Fprintf(&b, " and %d more", n)
	}
	b.WriteString(".")
	return b.String()
}

// quotePath returns p Go-quoted, shortened to maxNotedPathRunes characters
// with "…" inside the quotes.
func quotePath(p string) string {
	if r := []rune(strings.ToValidUTF8(p, "\uFFFD")); len(r) > maxNotedPathRunes {
		p = string(r[:maxNotedPathRunes]) + "…"
	}
	return strconv.Quote(p)
}
