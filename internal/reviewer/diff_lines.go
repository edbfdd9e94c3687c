package reviewer

import (
	"slices"

	"github.com/aymanbagabas/go-udiff/lcs"
)

// go-udiff's LCS search gives up beyond about 100 edits per call and then
// replaces the whole unexplored middle, reporting unchanged lines as
// changed. A reviewer must not comment on lines a pull request did not
// touch, so lineDiffs first splits large inputs at anchors, lines that occur
// exactly once on each side (as patience diff does), and hands go-udiff only
// the regions between anchors.
const (
	// exactRegion is the size (old plus new lines) up to which go-udiff's
	// search is exhaustive: it explores 50 edits forward and 50 backward.
	exactRegion = 100
	// maxAnchorDepth bounds the recursion on pathological inputs.
	maxAnchorDepth = 64
)

// lineDiffs returns the differences between the line slices a and b, in
// order and apart from each other, in the form of go-udiff's lcs.Diff.
func lineDiffs(a, b []string) []lcs.Diff {
	var out []lcs.Diff
	diffRegion(a, b, 0, len(a), 0, len(b), 0, &out)
	return out
}

// diffRegion appends the differences between a[alo:ahi] and b[blo:bhi].
func diffRegion(a, b []string, alo, ahi, blo, bhi, depth int, out *[]lcs.Diff) {
	for alo < ahi && blo < bhi && a[alo] == b[blo] {
		alo, blo = alo+1, blo+1
	}
	for alo < ahi && blo < bhi && a[ahi-1] == b[bhi-1] {
		ahi, bhi = ahi-1, bhi-1
	}
	switch {
	case alo == ahi && blo == bhi:
		return
	case alo == ahi || blo == bhi:
		*out = append(*out, lcs.Diff{Start: alo, End: ahi, ReplStart: blo, ReplEnd: bhi})
		return
	}
	if (ahi-alo)+(bhi-blo) > exactRegion && depth < maxAnchorDepth {
		if anchors := uniqueAnchors(a[alo:ahi], b[blo:bhi]); len(anchors) > 0 {
			pa, pb := alo, blo
			for _, m := range anchors {
				diffRegion(a, b, pa, alo+m.a, pb, blo+m.b, depth+1, out)
				pa, pb = alo+m.a+1, blo+m.b+1
			}
			diffRegion(a, b, pa, ahi, pb, bhi, depth+1, out)
			return
		}
	}
	if disjoint(a[alo:ahi], b[blo:bhi]) {
		// The common case of lines replaced by other lines, without the
		// cost of an LCS search.
		*out = append(*out, lcs.Diff{Start: alo, End: ahi, ReplStart: blo, ReplEnd: bhi})
		return
	}
	for _, d := range lcs.DiffLines(a[alo:ahi], b[blo:bhi]) {
		*out = append(*out, lcs.Diff{
			Start: alo + d.Start, End: alo + d.End,
			ReplStart: blo + d.ReplStart, ReplEnd: blo + d.ReplEnd,
		})
	}
}

// disjoint reports whether small slices a and b have no line in common; it
// reports false for large ones without looking.
func disjoint(a, b []string) bool {
	if len(a)*len(b) > 1024 {
		return false
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// match pairs equal lines a[a] and b[b].
type match struct{ a, b int }

// uniqueAnchors returns the longest sequence, increasing on both sides, of
// lines that occur exactly once in a and once in b.
func uniqueAnchors(a, b []string) []match {
	type count struct{ inA, inB, atA, atB int }
	counts := make([]count, 0, len(a)) // in order of first occurrence in a
	index := make(map[string]int, len(a))
	for i, l := range a {
		if k, ok := index[l]; ok {
			counts[k].inA++
			continue
		}
		index[l] = len(counts)
		counts = append(counts, count{inA: 1, atA: i})
	}
	for j, l := range b {
		if k, ok := index[l]; ok {
			counts[k].inB, counts[k].atB = counts[k].inB+1, j
		}
	}
	var pairs []match // in a's order
	for _, c := range counts {
		if c.inA == 1 && c.inB == 1 {
			pairs = append(pairs, match{c.atA, c.atB})
		}
	}
	return longestIncreasing(pairs)
}

// longestIncreasing returns the longest subsequence of pairs (sorted by a)
// whose b increases, by patience sorting.
func longestIncreasing(pairs []match) []match {
	if len(pairs) == 0 {
		return nil
	}
	tops := []int{}                 // tops[k]: index in pairs of the smallest tail of an increasing run of length k+1
	prev := make([]int, len(pairs)) // back links
	for i, p := range pairs {
		k, _ := slices.BinarySearchFunc(tops, p.b, func(t, b int) int { return pairs[t].b - b })
		if k > 0 {
			prev[i] = tops[k-1]
		} else {
			prev[i] = -1
		}
		if k == len(tops) {
			tops = append(tops, i)
		} else {
			tops[k] = i
		}
	}
	run := make([]match, len(tops))
	for i, k := tops[len(tops)-1], len(tops)-1; k >= 0; i, k = prev[i], k-1 {
		run[k] = pairs[i]
	}
	return run
}
