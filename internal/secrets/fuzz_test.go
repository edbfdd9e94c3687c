package secrets_test

import (
	"context"
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/reviewer/reviewertest"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// FuzzReview: whatever a pull request adds, the scanner does not panic, and
// each finding is of a secret/ rule, anchored to added lines of its file,
// with a message that quotes nothing it flags; Lines answers one flag per
// line.
func FuzzReview(f *testing.F) {
	fuzztest.AddFiles(f, "testdata/*.txt")
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\n\n-----END RSA PRIVATE KEY-----"))
	f.Fuzz(func(t *testing.T, data []byte) {
		old, head, _ := strings.Cut(string(data), "\x00")
		pr := &reviewer.PullRequest{Files: []reviewer.FileDiff{reviewer.Diff("/src/app.env", "", reviewer.ChangeEdit, []byte(old), []byte(head), reviewer.DiffOptions{})}}
		fs, err := scanner.Review(context.Background(), pr)
		if err != nil {
			t.Fatal(err)
		}
		added := map[int]bool{}
		for _, h := range pr.Files[0].Hunks {
			for _, l := range h.Lines {
				if l.Kind == reviewer.Added {
					added[l.New] = true
				}
			}
		}
		for _, x := range fs {
			if !strings.HasPrefix(x.Rule, secrets.RulePrefix) || x.StartLine > x.EndLine || !x.Severity.Valid() {
				t.Fatalf("malformed finding %+v", x)
			}
			for n := x.StartLine; n <= x.EndLine; n++ {
				if !added[n] {
					t.Fatalf("finding %+v covers line %d, which is not added", x, n)
				}
			}
			reviewertest.RequireNoQuote(t, pr, x)
		}
		lines := strings.Split(head, "\n")
		if got := len(scanner.Lines("/src/app.env", lines)); got != len(lines) {
			t.Fatalf("Lines answered %d flags for %d lines", got, len(lines))
		}
	})
}
