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
// was given, or "" without any: first those whose path a tool cannot take,
// with the reason, then those beyond [MaxFiles] and [MaxLines]; at most 20
// paths of each, each shortened to 80 characters and Go-quoted (so control
// characters show as escapes). It is plain text: the summary renders it
// safe as Markdown.
func SkippedNote(skipped []SkippedPath) string {
	var bad, over []SkippedPath
	for _, s := range skipped {
		if s.OverLimit {
			over = append(over, s)
		} else {
			bad = append(bad, s)
		}
	}
	var b strings.Builder
	if len(bad) == 1 {
		b.WriteString("External analyzers were not given 1 changed file, whose path a tool cannot take: ")
	} else if len(bad) > 1 {
		fmt.Fprintf(&b, "External analyzers were not given %d changed files, whose paths a tool cannot take: ", len(bad))
	}
	notePaths(&b, bad, true)
	if len(over) > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "External analyzers are given at most %d changed files and %d added lines per review; they were not given %s: ", MaxFiles, MaxLines, plural(len(over), "more changed file"))
		notePaths(&b, over, false)
	}
	return b.String()
}

// notePaths writes at most maxNotedPaths of paths, with their reasons when
// reasons, and a full stop.
func notePaths(b *strings.Builder, paths []SkippedPath, reasons bool) {
	if len(paths) == 0 {
		return
	}
	for i, s := range paths[:min(len(paths), maxNotedPaths)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quotePath(s.Path))
		if reasons {
			fmt.Fprintf(b, " (%s)", s.Reason)
		}
	}
	if n := len(paths) - maxNotedPaths; n > 0 {
		fmt.Fprintf(b, " and %d more", n)
	}
	b.WriteString(".")
}

// quotePath returns p Go-quoted, shortened to maxNotedPathRunes characters
// with "…" inside the quotes.
func quotePath(p string) string {
	if r := []rune(strings.ToValidUTF8(p, "\uFFFD")); len(r) > maxNotedPathRunes {
		p = string(r[:maxNotedPathRunes]) + "…"
	}
	return strconv.Quote(p)
}

// plural returns "1 what" or "n whats".
func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
