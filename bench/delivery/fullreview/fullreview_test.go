package fullreview

import (
	"errors"
	"testing"
)

// TestGitDiffPeakIsGitDiffs: the peak RSS GitDiff reports is git's, not
// the caller's. A process os/exec starts shares the caller's memory until
// it execs, and its ru_maxrss counted the caller's RSS: a harness holding
// a large simulator made `git diff` of a one-line change look as large as
// itself. The test holds 256 MiB while it runs git.
func TestGitDiffPeakIsGitDiffs(t *testing.T) {
	held := make([]byte, 256<<20)
	for i := range held {
		held[i] = byte(i)
	}
	kib, err := GitDiff(t.Context(), t.TempDir(), map[string]string{"/a.txt": "a\n"}, map[string]string{"/a.txt": "b\n"})
	if errors.Is(err, ErrNoTime) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("git diff of a one-line change: %d KiB, while this process holds %d MiB", kib, len(held)>>20)
	if kib <= 0 || kib >= 64<<10 {
		t.Errorf("git diff of a one-line change peaked at %d KiB: not git's own", kib)
	}
	if held[len(held)-1] != byte(len(held)-1) {
		t.Fatal("held memory changed")
	}
}
