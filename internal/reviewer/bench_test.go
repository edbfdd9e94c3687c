package reviewer_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// syntheticFile is one file of the synthetic pull request.
type syntheticFile struct {
	path     string
	old, new []byte
}

// syntheticPR makes files files whose new side changes changed lines each:
// every tenth line of a file of 2*changed lines is replaced by a block of
// lines, one in 25 of which trips a rule.
func syntheticPR(files, changed int) []syntheticFile {
	exts := []string{".go", ".ts", ".py", ".yaml", ".cs"}
	trips := map[string]string{
		".go":   "\tfmt.Println(\"debug\", v)",
		".ts":   "  console.log(\"debug\", v);",
		".py":   "    print(\"debug\", v)",
		".yaml": "  password: s3cr3t-%d",
		".cs":   "        var password = \"s3cr3t-%d\";",
	}
	out := make([]syntheticFile, files)
	for i := range out {
		ext := exts[i%len(exts)]
		var oldText, newText strings.Builder
		added := 0
		for l := range 2 * changed {
			line := fmt.Sprintf("line %d of file %d: value = compute(%d)\n", l, i, l)
			oldText.WriteString(line)
			if l%10 != 0 || added == changed {
				newText.WriteString(line)
				continue
			}
			for range min(changed/(2*changed/10), changed-added) {
				if added%25 == 0 {
					newText.WriteString(strings.ReplaceAll(trips[ext], "%d", fmt.Sprint(added)) + "\n")
				} else {
					fmt.Fprintf(&newText, "changed %d of file %d: value = compute(%d) + %d\n", added, i, l, added)
				}
				added++
			}
		}
		out[i] = syntheticFile{
			path: fmt.Sprintf("/src/pkg%02d/file%04d%s", i%37, i, ext),
			old:  []byte(oldText.String()),
			new:  []byte(newText.String()),
		}
	}
	return out
}

// BenchmarkRulesLargePR diffs a synthetic pull request of 1,000 files and
// 100,000 changed lines and runs the built-in rules on it.
// BenchmarkRulesLargePR reviews a 1,000-file, 100,000-added-line pull
// request with the built-in rules; the "diff" sub-benchmark, which only
// builds the diffs, is the baseline the rules' cost reads against.
func BenchmarkRulesLargePR(b *testing.B) {
	files := syntheticPR(1000, 100)
	b.Run("diff", func(b *testing.B) { benchmarkLargePR(b, files, nil) })
	b.Run("diff+rules", func(b *testing.B) { benchmarkLargePR(b, files, reviewer.Rules()) })
}

func benchmarkLargePR(b *testing.B, files []syntheticFile, rules reviewer.Reviewer) {
	ctx := context.Background()
	var (
		pr  *reviewer.PullRequest
		res reviewer.Result
	)
	b.ReportAllocs()
	peak := samplePeakHeap(b)
	for b.Loop() {
		pr = &reviewer.PullRequest{Files: make([]reviewer.FileDiff, len(files))}
		for i, f := range files {
			pr.Files[i] = reviewer.Diff(f.path, "", reviewer.ChangeEdit, f.old, f.new, reviewer.DiffOptions{})
		}
		if rules == nil {
			continue
		}
		res = reviewer.Run(ctx, pr, rules)
		if err := res.Err(); err != nil {
			b.Fatal(err)
		}
	}
	added := 0
	for _, d := range pr.Files {
		for _, h := range d.Hunks {
			for _, l := range h.Lines {
				if l.Kind == reviewer.Added {
					added++
				}
			}
		}
	}
	b.ReportMetric(float64(added), "added-lines/op")
	b.ReportMetric(float64(len(res.Findings)), "findings/op")
	b.ReportMetric(float64(res.Dropped), "dropped/op")
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
}

// samplePeakHeap samples the live heap every millisecond from now until
// the returned function is called, which returns the highest value seen
// (the inputs of the benchmark included).
func samplePeakHeap(b *testing.B) func() uint64 {
	b.Helper()
	runtime.GC()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(done)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak.Load()
	}
}
