package secrets_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// benchPR is a pull request of 50 files of 200 added lines of ordinary
// code, with a few secrets among them.
func benchPR() *reviewer.PullRequest {
	pr := &reviewer.PullRequest{}
	for f := range 50 {
		var b strings.Builder
		for l := range 200 {
			switch {
			case l == 100 && f%10 == 0:
				fmt.Fprintf(&b, "\tconst token = %q\n", token("K"))
			case l%7 == 0:
				fmt.Fprintf(&b, "\t// step %d: read the key and the token from the config\n", l)
			default:
				fmt.Fprintf(&b, "\tresult%d, err := client.Fetch(ctx, \"item-%d\", options{Retries: %d, Timeout: time.Second})\n", l, l, l%5)
			}
		}
		pr.Files = append(pr.Files, reviewer.Diff(fmt.Sprintf("/src/pkg%d/file.go", f), "", reviewer.ChangeAdd, nil, []byte(b.String()), reviewer.DiffOptions{}))
	}
	return pr
}

// hostilePR is one file of a single line of 1 MiB dense with the words the
// generic rule starts from, as a minified bundle or an attacker could add.
func hostilePR() *reviewer.PullRequest {
	line := strings.Repeat(`apiKey="a8f5f167f44f4964e6c9";token=`, (1<<20)/36)
	return &reviewer.PullRequest{Files: []reviewer.FileDiff{reviewer.Diff("/dist/app.min.js", "", reviewer.ChangeAdd, nil, []byte(line+"\n"), reviewer.DiffOptions{MaxFileBytes: 2 << 20})}}
}

// BenchmarkReview compares the scanner with the built-in rules on the same
// pull requests: an ordinary one of 10,000 added lines, and a hostile one.
func BenchmarkReview(b *testing.B) {
	for _, pr := range []struct {
		name string
		pr   *reviewer.PullRequest
	}{{"ordinary", benchPR()}, {"hostile", hostilePR()}} {
		for _, r := range []reviewer.Reviewer{scanner, reviewer.Rules()} {
			b.Run(pr.name+"/"+r.Name(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := r.Review(context.Background(), pr.pr); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkLines measures the masking of one hunk's lines.
func BenchmarkLines(b *testing.B) {
	lines := make([]string, 40)
	for i := range lines {
		lines[i] = fmt.Sprintf("\tresult%d, err := client.Fetch(ctx, \"item-%d\")", i, i)
	}
	b.ReportAllocs()
	for b.Loop() {
		scanner.Lines("/src/a.go", lines)
	}
}
