// Package reviewertest reads the rule fixtures of the reviewers' tests: a
// text archive of both sides of some files and the findings they must give,
// turned into a [reviewer.PullRequest] by the real [reviewer.Diff].
//
// A fixture starts with a comment (any text), followed by sections, each
// opened by a line "-- NAME --": "PATH.old" and "PATH.new" are the two
// sides of PATH (a missing side makes an add or a delete), in order of first
// appearance, and "want" lists the expected findings, one per line. "%%" is
// removed from section text, so a fixture can break up a literal that
// scanners of this repository would otherwise flag.
package reviewertest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Section is one "-- NAME --" section of a fixture.
type Section struct {
	Name, Data string
}

// ReadArchive reads the fixture at path: its leading comment and sections.
func ReadArchive(t testing.TB, path string) (comment string, sections []Section) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\r\n", "\n")
	cur := -1
	for _, l := range strings.SplitAfter(text, "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSuffix(l, "\n"), "-- "); ok && strings.HasSuffix(name, " --") {
			sections = append(sections, Section{Name: strings.TrimSuffix(name, " --")})
			cur = len(sections) - 1
			continue
		}
		if cur < 0 {
			comment += l
		} else {
			sections[cur].Data += strings.ReplaceAll(l, "%%", "")
		}
	}
	return comment, sections
}

// PullRequest reads the fixture at path and returns its files diffed as a
// pull request, and the lines of its want section, trimmed, without blank
// ones.
func PullRequest(t testing.TB, path string) (pr *reviewer.PullRequest, want []string) {
	t.Helper()
	_, sections := ReadArchive(t, path)
	type sides struct{ old, new *string }
	var order []string
	files := map[string]*sides{}
	for _, s := range sections {
		if s.Name == "want" {
			for l := range strings.Lines(s.Data) {
				if l = strings.TrimSpace(l); l != "" {
					want = append(want, l)
				}
			}
			continue
		}
		i := strings.LastIndex(s.Name, ".")
		if i < 0 || s.Name[i+1:] != "old" && s.Name[i+1:] != "new" {
			t.Fatalf("%s: section %q is not PATH.old, PATH.new or want", path, s.Name)
		}
		p, side := s.Name[:i], s.Name[i+1:]
		if files[p] == nil {
			files[p] = &sides{}
			order = append(order, p)
		}
		data := s.Data
		if side == "old" {
			files[p].old = &data
		} else {
			files[p].new = &data
		}
	}
	pr = &reviewer.PullRequest{}
	for _, p := range order {
		s, change := files[p], reviewer.ChangeEdit
		var oldData, newData []byte
		switch {
		case s.old == nil:
			change, newData = reviewer.ChangeAdd, []byte(*s.new)
		case s.new == nil:
			change, oldData = reviewer.ChangeDelete, []byte(*s.old)
		default:
			oldData, newData = []byte(*s.old), []byte(*s.new)
		}
		pr.Files = append(pr.Files, reviewer.Diff(p, "", change, oldData, newData, reviewer.DiffOptions{}))
	}
	return pr, want
}

// longToken matches runs of the characters a secret is made of, with a
// digit.
var longToken = regexp.MustCompile(`[A-Za-z+/=_-]*[0-9][A-Za-z0-9+/=_-]*`)

// RequireNoQuote fails t when f's message quotes a token of 10 characters
// or more, with a digit, of the added lines it flags in pr: a message must
// never repeat a secret.
func RequireNoQuote(t testing.TB, pr *reviewer.PullRequest, f reviewer.Finding) {
	t.Helper()
	for _, d := range pr.Files {
		if d.Path != f.Path {
			continue
		}
		for _, h := range d.Hunks {
			for _, l := range h.Lines {
				if l.Kind != reviewer.Added || l.New < f.StartLine || l.New > max(f.EndLine, f.StartLine) {
					continue
				}
				for _, tok := range longToken.FindAllString(l.Text, -1) {
					if len(tok) >= 10 && strings.Contains(f.Message, tok) {
						t.Fatalf("%s:%d: the message quotes the flagged text %q", f.Path, l.New, tok)
					}
				}
			}
		}
	}
}

// Render prints a finding as a fixture's want section does:
// "PATH:LINE[-END] RULE SEVERITY".
func Render(f reviewer.Finding) string {
	lines := strconv.Itoa(f.StartLine)
	if f.EndLine != f.StartLine {
		lines += "-" + strconv.Itoa(f.EndLine)
	}
	return f.Path + ":" + lines + " " + f.Rule + " " + string(f.Severity)
}

// RunFixtures runs r through [reviewer.Run] on every fixture matching
// pattern, each as a parallel subtest, and fails a fixture whose findings,
// rendered by [Render] in Run's order, are not its want section, that has
// no want line, or for which r flagged a line that is not added (Run's
// Dropped must stay 0: fixtures put the flagged text on context and
// deleted lines too, where a reviewer must not even report it), or whose
// messages quote what they flag ([RequireNoQuote]).
func RunFixtures(t *testing.T, pattern string, r reviewer.Reviewer) {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil || len(paths) == 0 {
		t.Fatalf("fixtures %s: %v, %d files", pattern, err, len(paths))
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			pr, want := PullRequest(t, path)
			if len(want) == 0 {
				t.Fatal("every fixture shows its reviewer firing")
			}
			res := reviewer.Run(context.Background(), pr, r)
			if err := res.Err(); err != nil {
				t.Fatal(err)
			}
			if res.Dropped != 0 {
				t.Fatalf("%d findings on lines that are not added lines", res.Dropped)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, Render(f))
				RequireNoQuote(t, pr, f)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}
