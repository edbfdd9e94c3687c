package worker

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
)

// TestBaseVersions: what the state names of the common commit is used
// only for the iteration it was saved for and that commit; a full review
// names every file of its diff, an incremental one adds what its changes
// tell, and a change naming no original blob leaves nothing to rely on.
func TestBaseVersions(t *testing.T) {
	t.Parallel()
	saved := coordination.ReviewState{Iteration: 2, Bases: &coordination.BaseVersions{Iteration: 2, Commit: "C", Blobs: map[string]string{"/a": "a0", "/n": ""}}}
	known := []struct {
		name   string
		since  int
		common string
		want   baseBlobs
	}{
		{"of the compared iteration and commit", 2, "c", baseBlobs{"/a": "a0", "/n": ""}},
		{"another common commit", 2, "D", nil},
		{"another iteration", 1, "C", nil},
		{"a full review", 0, "C", nil},
	}
	for _, tt := range known {
		require.Equal(t, tt.want, knownBases(saved, tt.since, tt.common), tt.name)
	}

	next := []struct {
		name    string
		changes []azdo.Change
		known   baseBlobs
		full    bool
		want    map[string]string // nil: none
	}{
		{"full", []azdo.Change{
			{Path: "/a", ChangeType: "edit", ObjectID: "a1", OriginalObjectID: "a0"},
			{Path: "/n", ChangeType: "add", ObjectID: "n1"},
			{Path: "/to", OriginalPath: "/from", ChangeType: "rename", ObjectID: "f0", OriginalObjectID: "f0"},
		}, nil, true, map[string]string{"/a": "a0", "/n": "", "/from": "f0", "/to": ""}},
		{"full, an edit without its original blob", []azdo.Change{{Path: "/a", ChangeType: "edit", ObjectID: "a1"}}, nil, true, nil},
		{"incremental", []azdo.Change{
			{Path: "/a", ChangeType: "edit", ObjectID: "a2", OriginalObjectID: "a1"},
			{Path: "/b", ChangeType: "edit", ObjectID: "b1", OriginalObjectID: "b0"},
			{Path: "/c", ChangeType: "add", ObjectID: "c1"},
			{Path: "/n", ChangeType: "delete", OriginalObjectID: "n1"},
		}, baseBlobs{"/a": "a0", "/n": ""}, false, map[string]string{"/a": "a0", "/b": "b0", "/c": "", "/n": ""}},
		{"incremental, nothing known", []azdo.Change{{Path: "/b", ChangeType: "edit", ObjectID: "b1", OriginalObjectID: "b0"}}, nil, false, nil},
		{"incremental, an edit without its original blob", []azdo.Change{{Path: "/b", ChangeType: "edit", ObjectID: "b1"}}, baseBlobs{}, false, nil},
	}
	for _, tt := range next {
		got := nextBases(tt.changes, tt.known, tt.full, 3, "C")
		if tt.want == nil {
			require.Nil(t, got, tt.name)
			continue
		}
		require.Equal(t, &coordination.BaseVersions{Iteration: 3, Commit: "C", Blobs: tt.want}, got, tt.name)
	}
}
