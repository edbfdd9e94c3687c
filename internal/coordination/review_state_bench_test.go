package coordination_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/azreviewer/azreviewer/internal/coordination"
)

// BenchmarkReviewStateIndex is the review state's cost per review at a
// number of indexed finding threads: a load and a save (what a review
// does), through the real KV bucket of an embedded JetStream server.
func BenchmarkReviewStateIndex(b *testing.B) {
	for _, n := range []int{0, 2000} {
		b.Run(fmt.Sprintf("threads=%d", n), func(b *testing.B) {
			c := setupStore(b)
			ctx := context.Background()
			st := coordination.ReviewState{Iteration: 3, SourceCommit: "abc", Covered: []string{"a", "b", "abc"}, Indexed: true, Summary: 9, SummaryKey: "3@abc",
				Findings: findings(n, func(i int) string { return fmt.Sprintf("/src/old/module%d.js", i) })}
			if err := c.SaveReview(ctx, "r.1", st); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				got, err := c.LoadReview(ctx, "r.1")
				if err != nil || len(got.Findings) != n {
					b.Fatal(err, len(got.Findings))
				}
				if err := c.SaveReview(ctx, "r.1", got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
