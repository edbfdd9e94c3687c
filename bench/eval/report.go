package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// tally counts the outcomes of one reviewer for one kind.
type tally struct{ tp, fp, fn int }

func (t tally) precision() string { return ratio(t.tp, t.tp+t.fp) }
func (t tally) recall() string    { return ratio(t.tp, t.tp+t.fn) }

// ratio formats n/d with two decimals, or "-" when d is 0.
func ratio(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(n)/float64(d))
}

func (t *tally) add(o Outcome) {
	switch o.Verdict {
	case "TP":
		t.tp++
	case "FP":
		t.fp++
	case "FN":
		t.fn++
	}
}

// report prints the table per reviewer and kind, the comments per pull
// request (findings per reviewer, and the threads they make: one per
// distinct fingerprint), and the false positives and negatives (with verbose, the true
// positives too).
func report(w io.Writer, results []caseResult, verbose bool) {
	type key struct{ rev, kind string }
	tallies := map[key]*tally{}
	var all []Outcome
	ran := map[string]bool{}
	for _, r := range results {
		for rev := range r.findings {
			ran[rev] = true
		}
		for _, o := range r.outcomes {
			for _, k := range []key{{o.Reviewer, o.Kind}, {o.Reviewer, "all"}} {
				if tallies[k] == nil {
					tallies[k] = &tally{}
				}
				tallies[k].add(o)
			}
			all = append(all, o)
		}
	}
	keys := make([]key, 0, len(tallies))
	for k := range tallies {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(strings.Compare(a.rev, b.rev), cmp.Compare(boolInt(a.kind == "all"), boolInt(b.kind == "all")), strings.Compare(a.kind, b.kind))
	})

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\n%d cases\n\n", len(results))
	fmt.Fprintln(tw, "reviewer\tkind\tTP\tFP\tFN\tprecision\trecall\t")
	for _, k := range keys {
		t := tallies[k]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t\n", k.rev, k.kind, t.tp, t.fp, t.fn, t.precision(), t.recall())
	}
	tw.Flush()
	if a, b := tallies[key{"llm", "all"}], tallies[key{withContext, "all"}]; a != nil && b != nil {
		fmt.Fprintf(w, "\nLLM with and without context: precision %s → %s, recall %s → %s (%s, then %s)\n",
			a.precision(), b.precision(), a.recall(), b.recall(), "llm", withContext)
	}

	revs := make([]string, 0, len(ran))
	for rev := range ran {
		revs = append(revs, rev)
	}
	slices.Sort(revs)
	fmt.Fprintln(w, "\ncomments per pull request")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "case\t%s\ttotal\tthreads\t\n", strings.Join(revs, "\t"))
	sums := make([]int, len(revs)+2)
	for _, r := range results {
		row := []string{r.c.Name}
		total := 0
		for i, rev := range revs {
			fs, ok := r.findings[rev]
			n := len(fs)
			if !ok {
				row = append(row, "-")
				continue
			}
			row = append(row, fmt.Sprint(n))
			sums[i] += n
			total += n
		}
		threads := r.threads()
		sums[len(revs)] += total
		sums[len(revs)+1] += threads
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", strings.Join(row, "\t"), total, threads)
	}
	mean := []string{"mean"}
	for _, s := range sums {
		mean = append(mean, fmt.Sprintf("%.1f", float64(s)/float64(len(results))))
	}
	fmt.Fprintf(tw, "%s\t\n", strings.Join(mean, "\t"))
	tw.Flush()

	slices.SortFunc(all, func(a, b Outcome) int {
		return cmp.Or(strings.Compare(a.Case, b.Case), strings.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), strings.Compare(a.Rule, b.Rule))
	})
	verdicts := []string{"FP", "FN"}
	if verbose {
		verdicts = append(verdicts, "TP")
	}
	for _, v := range verdicts {
		var lines []string
		for _, o := range all {
			if o.Verdict == v {
				lines = append(lines, fmt.Sprintf("  %s\t%s:%d\t%s\t%s\t%s", o.Case, o.Path, o.Line, o.Reviewer, o.Rule, o.Why))
			}
		}
		fmt.Fprintf(w, "\n%s (%d)\n", map[string]string{"FP": "false positives", "FN": "false negatives", "TP": "true positives"}[v], len(lines))
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, l := range lines {
			fmt.Fprintln(tw, l)
		}
		tw.Flush()
	}
}

// threads returns how many threads the worker would post for the case's
// findings: one per distinct fingerprint.
func (r caseResult) threads() int {
	seen := map[string]bool{}
	for _, fs := range r.findings {
		for _, f := range fs {
			seen[f.Fingerprint()] = true
		}
	}
	return len(seen)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
