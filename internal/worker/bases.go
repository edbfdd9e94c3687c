package worker

import (
	"maps"
	"strings"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// baseBlobs are the common commit's versions of files, by path: a blob id,
// or "" for a file not at that commit (see coordination.BaseVersions).
type baseBlobs map[string]string

// knownBases are the common commit's versions the state names, when they
// are of the iteration an incremental review compares with and of its
// common commit; nil otherwise (the versions are then read by path).
func knownBases(st coordination.ReviewState, since int, common string) baseBlobs {
	b := st.Bases
	if since == 0 || b == nil || b.Iteration != since || !strings.EqualFold(b.Commit, common) || b.Blobs == nil {
		return nil
	}
	return b.Blobs
}

// baseOf is the common commit's version of the file a change relative to
// the compared iteration starts from (oldPath): the one known, else the
// compared iteration's own, which is the common commit's since the pull
// request's diff then did not hold the file — none for a file added since,
// the change's original blob otherwise. ok is false when neither tells
// (the change names no original blob).
func (b baseBlobs) baseOf(ch azdo.Change, kind reviewer.ChangeType, oldPath string) (blob string, ok bool) {
	if blob, ok := b[oldPath]; ok {
		return blob, true
	}
	if kind == reviewer.ChangeAdd {
		return "", true
	}
	return ch.OriginalObjectID, ch.OriginalObjectID != ""
}

// nextBases are the common commit's versions the next incremental review
// can rely on, for the reviewed iteration: with all, every change read
// (MaxFiles' cut included, none read twice). A full review takes them
// from its changes against the common commit; an incremental one adds to
// known (nil: nothing to add to, nil returned) what its changes tell. A
// change that names no original blob where one is needed leaves nil: the
// versions would not name every file of the diff.
func nextBases(all []azdo.Change, known baseBlobs, full bool, iteration int, common string) *coordination.BaseVersions {
	if !full && known == nil {
		return nil
	}
	out := make(baseBlobs, len(known)+len(all))
	maps.Copy(out, known)
	for _, ch := range all {
		kind := changeType(ch.ChangeType)
		oldPath := ch.Path
		if kind == reviewer.ChangeRename && ch.OriginalPath != "" {
			oldPath = ch.OriginalPath
			// A rename's new path is a file added at it: not at the
			// common commit, unless known there.
			if _, ok := out[ch.Path]; !ok {
				out[ch.Path] = ""
			}
		}
		blob, ok := known.baseOf(ch, kind, oldPath)
		if full {
			// Against the common commit, the change's original blob is
			// the common commit's.
			blob, ok = ch.OriginalObjectID, ch.OriginalObjectID != ""
			if kind == reviewer.ChangeAdd {
				blob, ok = "", true
			}
		}
		if !ok {
			return nil
		}
		out[oldPath] = blob
	}
	return &coordination.BaseVersions{Iteration: iteration, Commit: common, Blobs: out}
}
