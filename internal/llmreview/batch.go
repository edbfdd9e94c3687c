package llmreview

import (
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// batch is the part of a pull request sent in one request.
type batch struct {
	// index is the batch's 0-based position, for traces and errors.
	index int
	// user is the user message: the pull request header and the files.
	user string
	// tokens is the estimated size of the user message.
	tokens int
	// files are the paths in the batch, in order, without duplicates.
	files []string
	// shown maps each path to the new-side line numbers shown for it.
	shown map[string]map[int]bool
}

// piece is a file, or a part of one, rendered for a prompt.
type piece struct {
	path  string
	text  string
	lines []int
}

// unit is a hunk, or part of one, rendered, with its new-side lines.
type unit struct {
	text  string
	lines []int
}

// makeBatches splits pr into batches whose diff text is estimated at most
// budget tokens each (a single line longer than the budget still gets its own
// batch). Whole files are kept together unless one alone exceeds the budget.
// Skipped and binary files and files without hunks are left out.
//
// With secrets set, each file's lines that hold a secret are masked
// (maskFile) before it is rendered; files that are not rendered are not
// scanned.
//
// With limit ≥ 0 at most limit batches are made: the files, or the parts of
// a file, that would go into later batches are not rendered, and their
// paths are returned in pull-request order as notSent (a path once). A
// path there may also be in a batch, when the limit fell within the file.
func makeBatches(pr *reviewer.PullRequest, header string, budget, limit int, secrets SecretLines) (batches []*batch, notSent []string) {
	var (
		cur  *batch
		body strings.Builder
		full bool
	)
	flush := func() {
		if cur != nil {
			cur.user = header + body.String()
			cur.tokens = estimateTokens(cur.user)
			batches = append(batches, cur)
		}
		cur = nil
		body.Reset()
	}
	left := func(path string) {
		if len(notSent) == 0 || notSent[len(notSent)-1] != path {
			notSent = append(notSent, path)
		}
	}
	add := func(p piece) {
		t := estimateTokens(p.text)
		if cur != nil && (body.Len()+3)/4+t > budget {
			flush()
		}
		if cur == nil && limit >= 0 && len(batches) >= limit {
			full = true
		}
		if full {
			left(p.path)
			return
		}
		if cur == nil {
			cur = &batch{index: len(batches), shown: map[string]map[int]bool{}}
		}
		body.WriteString(p.text)
		if cur.shown[p.path] == nil {
			cur.shown[p.path] = map[int]bool{}
			cur.files = append(cur.files, p.path)
		}
		for _, n := range p.lines {
			cur.shown[p.path][n] = true
		}
	}
	for i := range pr.Files {
		f := &pr.Files[i]
		if f.Skipped != "" || f.Binary || len(f.Hunks) == 0 {
			continue
		}
		if full {
			left(f.Path)
			continue
		}
		if secrets != nil {
			masked := maskFile(secrets, *f)
			f = &masked
		}
		for _, p := range filePieces(f, budget) {
			add(p)
		}
	}
	flush()
	return batches, notSent
}

// filePieces renders f as one piece when it fits in budget tokens, or else as
// parts of at most budget tokens, split at hunk boundaries and, for a hunk
// that alone is too large, at line boundaries.
func filePieces(f *reviewer.FileDiff, budget int) []piece {
	var units []unit
	for i := range f.Hunks {
		units = append(units, hunkUnits(&f.Hunks[i], budget-estimateTokens(fileHeader(f, 99)))...)
	}
	whole := piece{path: f.Path, text: fileHeader(f, 0)}
	for _, u := range units {
		whole.text += u.text
		whole.lines = append(whole.lines, u.lines...)
	}
	if estimateTokens(whole.text) <= budget {
		return []piece{whole}
	}
	var (
		pieces []piece
		p      piece
	)
	for _, u := range units {
		if p.text != "" && (len(p.text)+len(u.text)+3)/4 > budget {
			pieces = append(pieces, p)
			p = piece{}
		}
		if p.text == "" {
			p = piece{path: f.Path, text: fileHeader(f, len(pieces)+1)}
		}
		p.text += u.text
		p.lines = append(p.lines, u.lines...)
	}
	if p.text != "" {
		pieces = append(pieces, p)
	}
	return pieces
}

// hunkUnits renders h as one unit, or as several when it exceeds budget
// tokens, each but the first with a "continued" header. A unit always holds
// at least one line.
func hunkUnits(h *reviewer.Hunk, budget int) []unit {
	var (
		units []unit
		sb    strings.Builder
		lines []int
		n     int
	)
	sb.WriteString(hunkHeader(h))
	for i := range h.Lines {
		l := &h.Lines[i]
		line := renderLine(l)
		if n > 0 && (sb.Len()+len(line)+3)/4 > budget {
			units = append(units, unit{text: sb.String(), lines: lines})
			sb.Reset()
			lines, n = nil, 0
			sb.WriteString("@@ hunk continued @@\n")
		}
		sb.WriteString(line)
		n++
		if l.Kind != reviewer.Deleted {
			lines = append(lines, l.New)
		}
	}
	return append(units, unit{text: sb.String(), lines: lines})
}
