package worker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// BenchmarkIndexedReview is what an incremental review does with the
// review state's thread index, in process, at a number of indexed finding
// threads (closed ones of earlier iterations and, 1 in 10, open ones on
// files the review does not judge): the resolve candidates, the posted
// fingerprints, the open findings for the status and the index saved.
// No thread is read: none is a candidate.
func BenchmarkIndexedReview(b *testing.B) {
	for _, n := range []int{0, 2000} {
		b.Run(fmt.Sprintf("threads=%d", n), func(b *testing.B) {
			st := coordination.ReviewState{Version: coordination.ReviewStateVersion, Indexed: true, Iteration: 4, Summary: 1, SummaryKey: "4@c"}
			for i := range n {
				st.Findings = append(st.Findings, coordination.IndexedThread{Fingerprint: fmt.Sprintf("%032x", i), ID: i + 2,
					Path: fmt.Sprintf("/src/old/module%d.js", i), Severity: "warning", Open: i%10 == 0})
			}
			result := reviewer.Result{Findings: []reviewer.Finding{{Rule: "debug/console-log", Path: "/src/new.js", StartLine: 1, EndLine: 1,
				Severity: reviewer.SeverityWarning, Message: "console.log left in the code."}}}
			changes := []azdo.Change{{Path: "/src/new.js"}}
			w := &Worker{cfg: Config{Coordinator: (*coordination.Store)(nil), BlockingSeverity: reviewer.SeverityError}, now: time.Now}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				r := &reviewRun{w: w, state: st, changes: changes, since: 3}
				if err := r.loadThreads(ctx, result); err != nil {
					b.Fatal(err)
				}
				posted := r.threads.posted(r.fingerprints(result))
				if threads := threadsOf(result.Findings, posted); threads[0].done {
					b.Fatal("posted")
				}
				r.refreshBlocking(ctx)
				if _, open := r.threads.openFindings(w.cfg.BlockingSeverity); open != (n+9)/10 {
					b.Fatal(open)
				}
				next := r.state
				r.threads.save(&next)
				if len(next.Findings) != n {
					b.Fatal(len(next.Findings))
				}
			}
		})
	}
}
