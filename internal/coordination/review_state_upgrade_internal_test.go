package coordination

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// decodeLineV2 is decodeLine as the release writing version 2 has it
// (commit dc239fe), kept as it was: what a worker of that release does
// with an index line this code writes.
func decodeLineV2(t *IndexedThread, line string) error {
	var f [5]string
	for i := range 4 {
		var ok bool
		if f[i], line, ok = strings.Cut(line, "\t"); !ok {
			return errIndexFields
		}
	}
	if strings.IndexByte(line, '\t') >= 0 {
		return errIndexFields
	}
	f[4] = line
	id, err := strconv.Atoi(f[1])
	if err != nil {
		return err
	}
	t.ID, t.Open = id, f[2] == "1"
	if t.Fingerprint, err = unfield(f[0]); err == nil {
		if t.Severity, err = unfield(f[3]); err == nil {
			t.Path, err = unfield(f[4])
		}
	}
	return err
}

// TestIndexReadByTheReleaseBefore: in a rolling upgrade a worker of the
// release before meets the index this code writes. Its lines keep the 5
// fields that release requires, and it reads each with its thread's
// fingerprint and id, so it posts none of their findings again; an entry
// that is azreviewer's own fixed, or dismissed with its severity, it reads
// as closed, as it read every closed entry; and this code reads that
// release's lines as they were.
func TestIndexReadByTheReleaseBefore(t *testing.T) {
	t.Parallel()
	in := []IndexedThread{
		{Fingerprint: "a", ID: 1, Path: "/a.js", Severity: "error", Open: true},
		{Fingerprint: "b#2", ID: 2, Fixed: true},
		{Fingerprint: "c", ID: 3},
		{Fingerprint: "d", ID: 4, Severity: "error", Dismissed: true},
		{Fingerprint: "e\tf", ID: 5, Path: "\"x", Severity: "warning", Fixed: true},
	}
	text := string(encodeIndex(nil, in, nil))
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	require.Len(t, lines, len(in))
	var before []IndexedThread
	for i, line := range lines {
		var old IndexedThread
		require.NoError(t, decodeLineV2(&old, line), "line %q", line)
		require.Equal(t, in[i].Fingerprint, old.Fingerprint, "the finding stays posted")
		require.Equal(t, in[i].ID, old.ID)
		require.Equal(t, in[i].Open, old.Open, "open only if open")
		require.False(t, old.Fixed || old.Dismissed)
		before = append(before, old)
	}

	// What that release writes back of them (it knows neither Fixed nor
	// Dismissed), this code reads as it was written.
	back, err := decodeIndex(string(encodeIndex(nil, before, nil)))
	require.NoError(t, err)
	require.Equal(t, before, back.threads)
	require.Equal(t, 2, ReviewStateVersion, "the version that release writes and trusts")
}
