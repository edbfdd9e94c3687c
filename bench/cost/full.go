package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/azreviewer/azreviewer/internal/worker/workertest"
)

// fullCases are the full reviews measured: F = 1, 10, 100 and 1,000 changed
// files of 10 lines, without and with a finding, by a worker that has not
// read the target commit's .azreviewer.yaml (cold) and by one that has
// (warm), as internal/worker's TestFullReviewCallsDoNotGrowWithFiles
// measures them (workertest.MeasureFullReview).
func fullCases() []workertest.FullReview {
	var out []workertest.FullReview
	for _, files := range []int{1, 10, 100, 1000} {
		for _, findings := range []int{0, 1} {
			for _, warm := range []bool{false, true} {
				out = append(out, workertest.FullReview{Files: files, Lines: 10, Findings: findings, Warm: warm})
			}
		}
	}
	return out
}

// fullWhat names a full review's row.
func fullWhat(c workertest.FullReview) string { return "full review calls, " + c.String() }

// measureFull reviews every case of fullCases once.
func measureFull(ctx context.Context, _ config, progress io.Writer) ([]row, func(io.Writer), error) {
	var rows []row
	var costs []workertest.FullReviewCost
	cases := fullCases()
	for _, c := range cases {
		fmt.Fprintf(progress, "full: %s\n", c)
		cost, err := workertest.MeasureFullReview(ctx, c)
		if err != nil {
			return rows, nil, fmt.Errorf("%s: %w", c, err)
		}
		what := fullWhat(c)
		if cost.Report.FilesReviewed != c.Files {
			what += fmt.Sprintf(" (only %d files reviewed)", cost.Report.FilesReviewed)
		}
		bound := cost.Bound()
		r := atMost(groupFull, what, float64(cost.Calls()), "", float64(bound),
			fmt.Sprintf("≤ %d (%d + 2 × %d threads)", bound, workertest.FullReviewBound(c.Files), cost.Report.ThreadsPosted))
		if cost.Report.FilesReviewed != c.Files {
			r.verdict = verdictOver
		}
		rows = append(rows, r)
		costs = append(costs, cost)
	}
	detail := func(w io.Writer) {
		fmt.Fprintln(w, "Full reviews of a new pull request (created after the state bucket's epoch), 10 lines a file; cold: the first review into the target commit, endpoint discovery done; warm: .azreviewer.yaml of that commit read before:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "review\tcalls\tcontent reads\tother calls")
		for i, c := range cases {
			cost := costs[i]
			fmt.Fprintf(tw, "%s\t%d\t%d (%s)\t%d (%s)\n", c, cost.Calls(), len(cost.Content), strings.Join(cost.Content, " "), len(cost.Others), strings.Join(cost.Others, " "))
		}
		_ = tw.Flush()
	}
	return rows, detail, nil
}
