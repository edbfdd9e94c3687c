package reviewer

import (
	"slices"
	"unicode/utf16"
)

// diffIndex answers which new-side lines of which file a pull request added.
// Files are indexed lazily, on their first finding.
type diffIndex struct {
	files map[string]*FileDiff
	added map[string]*addedLines
}

// addedLines are the added lines of one file, sorted by line number.
type addedLines struct {
	nums  []int
	texts []string
}

func newDiffIndex(pr *PullRequest) *diffIndex {
	idx := &diffIndex{
		files: make(map[string]*FileDiff, len(pr.Files)),
		added: make(map[string]*addedLines),
	}
	for i := range pr.Files {
		f := &pr.Files[i]
		if _, dup := idx.files[f.Path]; !dup {
			idx.files[f.Path] = f
		}
	}
	return idx
}

// lines returns the added lines of the file at path, or nil when the pull
// request has no such file.
func (x *diffIndex) lines(path string) *addedLines {
	if a, ok := x.added[path]; ok {
		return a
	}
	f, ok := x.files[path]
	if !ok {
		return nil
	}
	a := &addedLines{}
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l.Kind == Added {
				a.nums = append(a.nums, l.New)
				a.texts = append(a.texts, l.Text)
			}
		}
	}
	x.added[path] = a
	return a
}

// anchor normalises f and reports whether all its lines are added lines. On
// success it fills EndLine (when 0), the offsets and ContentHash.
func (x *diffIndex) anchor(f *Finding) bool {
	f.Path = adoPath(f.Path)
	if f.EndLine == 0 {
		f.EndLine = f.StartLine
	}
	if f.StartLine < 1 || f.EndLine < f.StartLine {
		return false
	}
	a := x.lines(f.Path)
	if a == nil {
		return false
	}
	i, found := slices.BinarySearch(a.nums, f.StartLine)
	j := i + (f.EndLine - f.StartLine)
	// Line numbers are strictly increasing, so equal distances in index and
	// in number mean every line in between is present.
	if !found || j >= len(a.nums) || a.nums[j] != f.EndLine {
		return false
	}
	f.StartOffset = 1
	f.EndOffset = utf16Len(a.texts[j]) + 1
	f.ContentHash = contentHash(a.texts[i : j+1])
	return true
}

// utf16Len is the length of s in UTF-16 code units, as JavaScript (and so
// Azure DevOps' web editor) counts a string: two for a character outside
// the Basic Multilingual Plane, one for any other, and one for each byte
// that is not UTF-8.
func utf16Len(s string) int {
	n := 0
	for _, r := range s { // a byte that is not UTF-8 is U+FFFD: one unit
		n += utf16.RuneLen(r)
	}
	return n
}
