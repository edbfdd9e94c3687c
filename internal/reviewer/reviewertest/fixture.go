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
	"os"
	"regexp"
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
