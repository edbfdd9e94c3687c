package reviewer_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// update rewrites golden files instead of comparing with them.
var update = flag.Bool("update", false, "rewrite testdata golden files")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// renderDiff prints a FileDiff with both line numbers on every line, for
// golden files.
func renderDiff(d reviewer.FileDiff) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "path=%s oldPath=%s change=%s binary=%t skipped=%q\n", d.Path, d.OldPath, d.Change, d.Binary, d.Skipped)
	num := func(n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprint(n)
	}
	for _, h := range d.Hunks {
		fmt.Fprintf(&sb, "@@ old %d,%d new %d,%d\n", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
		for _, l := range h.Lines {
			fmt.Fprintf(&sb, "%4s %4s %-7s |%s|", num(l.Old), num(l.New), l.Kind, l.Text)
			if l.NoNewline {
				sb.WriteString(" (no newline)")
			}
			sb.WriteByte('\n')
		}
	}
	return sb.String()
}

// splitText splits file content the way a diff sees it: lines without their
// terminator, and whether the last line lacks a newline.
func splitText(s string) (lines []string, noNewline bool) {
	if s == "" {
		return nil, false
	}
	noNewline = !strings.HasSuffix(s, "\n")
	for _, l := range strings.SplitAfter(s, "\n") {
		if l == "" {
			continue
		}
		lines = append(lines, strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r"))
	}
	return lines, noNewline
}

// checkDiff verifies a diff's invariants against its inputs: hunk headers
// agree with their lines, line numbers are consecutive and match the texts
// of both sides, hunks are ordered and apart, and applying the hunks to the
// old text gives the new text.
func checkDiff(t *testing.T, oldText, newText string, d reviewer.FileDiff) {
	t.Helper()
	oldLines, oldNoNL := splitText(oldText)
	newLines, newNoNL := splitText(newText)
	var rebuilt []string
	o := 0 // old lines consumed
	for hi, h := range d.Hunks {
		require.NotEmpty(t, h.Lines, "hunk %d", hi)
		oldFirst, newFirst := h.OldStart, h.NewStart
		if h.OldLines > 0 {
			oldFirst--
		}
		if h.NewLines > 0 {
			newFirst--
		}
		require.GreaterOrEqual(t, oldFirst, o, "hunk %d overlaps the previous one", hi)
		rebuilt = append(rebuilt, oldLines[o:oldFirst]...)
		require.Equal(t, len(rebuilt), newFirst, "hunk %d new start", hi)
		on, nn := oldFirst, newFirst
		for li, l := range h.Lines {
			switch l.Kind {
			case reviewer.Context:
				require.Equal(t, [2]int{on + 1, nn + 1}, [2]int{l.Old, l.New}, "hunk %d line %d", hi, li)
				require.Equal(t, oldLines[on], l.Text)
				require.Equal(t, newLines[nn], l.Text)
				rebuilt = append(rebuilt, l.Text)
				on, nn = on+1, nn+1
			case reviewer.Deleted:
				require.Equal(t, [2]int{on + 1, 0}, [2]int{l.Old, l.New}, "hunk %d line %d", hi, li)
				require.Equal(t, oldLines[on], l.Text)
				require.Equal(t, on == len(oldLines)-1 && oldNoNL, l.NoNewline)
				on++
			case reviewer.Added:
				require.Equal(t, [2]int{0, nn + 1}, [2]int{l.Old, l.New}, "hunk %d line %d", hi, li)
				require.Equal(t, newLines[nn], l.Text)
				require.Equal(t, nn == len(newLines)-1 && newNoNL, l.NoNewline)
				rebuilt = append(rebuilt, l.Text)
				nn++
			}
		}
		require.Equal(t, h.OldLines, on-oldFirst, "hunk %d old count", hi)
		require.Equal(t, h.NewLines, nn-newFirst, "hunk %d new count", hi)
		o = on
	}
	rebuilt = append(rebuilt, oldLines[o:]...)
	if len(d.Hunks) == 0 && d.Skipped == "" {
		require.Equal(t, oldText, newText, "no hunks for different texts")
	}
	if d.Skipped == "" && len(newLines)+len(rebuilt) > 0 {
		require.Equal(t, newLines, rebuilt, "applying the hunks to old gives new")
	}
}

// stubReviewer returns canned findings, an error or a panic.
type stubReviewer struct {
	name     string
	findings []reviewer.Finding
	err      error
	panics   bool
}

func (s stubReviewer) Name() string { return s.name }

func (s stubReviewer) Review(ctx context.Context, _ *reviewer.PullRequest) ([]reviewer.Finding, error) {
	if s.panics {
		panic("stub reviewer exploded")
	}
	return s.findings, s.err
}
