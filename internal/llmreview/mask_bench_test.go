package llmreview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// benchPR is a pull request of 300 edited files of 300 lines, every third
// line changed, one secret per file.
func benchPR() *reviewer.PullRequest {
	pr := &reviewer.PullRequest{Title: "t", Description: "d"}
	for f := range 300 {
		var oldB, newB strings.Builder
		for i := range 300 {
			fmt.Fprintf(&oldB, "\tv%d := compute(%d, %q)\n", i, i, "x")
			switch {
			case i == 150:
				fmt.Fprintf(&newB, "\tkey := \"AKIAQ7N3WXYZ4R2MP%03d\"\n", f)
			case i%3 == 0:
				fmt.Fprintf(&newB, "\tv%d := compute(%d, %q) // changed\n", i, i, "y")
			default:
				fmt.Fprintf(&newB, "\tv%d := compute(%d, %q)\n", i, i, "x")
			}
		}
		pr.Files = append(pr.Files, reviewer.Diff(fmt.Sprintf("pkg%d/f.go", f), "", reviewer.ChangeEdit, []byte(oldB.String()), []byte(newB.String()), reviewer.DiffOptions{}))
	}
	return pr
}

// BenchmarkMask is the cost of masking secrets before the prompts are
// built; BenchmarkMakeBatches, the prompt building itself, is its baseline.
func BenchmarkMask(b *testing.B) {
	pr, secrets := benchPR(), secrets.MustNew()
	b.ReportAllocs()
	for b.Loop() {
		mask(secrets, pr)
	}
}

func BenchmarkMakeBatches(b *testing.B) {
	pr := benchPR()
	b.ReportAllocs()
	for b.Loop() {
		makeBatches(pr, prHeader(pr), 10000, -1, nil)
	}
}

// BenchmarkBoundedPrompts is the cost of the prompts of a review bound to
// DefaultMaxRequests requests: "mask all" masks every file first (the
// baseline, how prompts were built before the bound), "mask sent" only the
// files the requests show.
func BenchmarkBoundedPrompts(b *testing.B) {
	pr, secrets := benchPR(), secrets.MustNew()
	header := prHeader(pr)
	b.Run("mask all", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			makeBatches(mask(secrets, pr), header, 10000, DefaultMaxRequests, nil)
		}
	})
	b.Run("mask sent", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			makeBatches(maskHeader(secrets, pr), header, 10000, DefaultMaxRequests, secrets)
		}
	})
}
