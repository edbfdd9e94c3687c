package doctor

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Print writes the checks as a table, each failure or warning followed by
// its fix, and a last line with the verdict.
func Print(w io.Writer, checks []Check) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	for _, c := range checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c.Name, c.Status, c.Detail)
		if c.Fix != "" && (c.Status == Fail || c.Status == Warn) {
			fmt.Fprintf(tw, "\t\tfix: %s\n", c.Fix)
		}
	}
	_ = tw.Flush()
	failed, warned := 0, 0
	for _, c := range checks {
		switch c.Status {
		case Fail:
			failed++
		case Warn:
			warned++
		}
	}
	if failed == 0 {
		fmt.Fprintf(w, "\nall checks passed (%d warnings)\n", warned)
		return
	}
	fmt.Fprintf(w, "\n%d checks failed, %d warnings\n", failed, warned)
}
