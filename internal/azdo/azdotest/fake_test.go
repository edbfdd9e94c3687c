package azdotest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

func TestNewFakeChanges(t *testing.T) {
	t.Parallel()
	f := azdotest.NewFake(
		map[string]string{"/same": "1\n", "/edit": "1\n", "/gone": "1\n"},
		map[string]string{"/same": "1\n", "/edit": "2\n", "/new": "1\n"},
	)
	require.Equal(t, []azdo.Change{
		{Path: "/edit", ChangeType: "edit", ChangeTrackingID: 1, ObjectID: azdotest.BlobID("2\n"), OriginalObjectID: azdotest.BlobID("1\n")},
		{Path: "/gone", ChangeType: "delete", ChangeTrackingID: 2, OriginalObjectID: azdotest.BlobID("1\n")},
		{Path: "/new", ChangeType: "add", ChangeTrackingID: 3, ObjectID: azdotest.BlobID("1\n")},
	}, f.ChangesValue)
	ctx := context.Background()
	ref := azdo.PullRequestRef{ID: 1}
	content, found, err := f.FileAt(ctx, ref, "/edit", azdotest.HeadCommit)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "2\n", string(content))
	_, found, err = f.FileAt(ctx, ref, "/new", azdotest.BaseCommit)
	require.NoError(t, err)
	require.False(t, found)
}

func TestFakeWrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		drop     bool
		wantKept int
	}{
		{"kept", false, 1},
		{"dropped", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			ref := azdo.PullRequestRef{ID: 1}
			f := azdotest.NewFake(nil, nil)
			f.DropWrites = tt.drop
			created, err := f.CreateThread(ctx, ref, azdo.Thread{Status: azdo.ThreadActive, Comments: []azdo.Comment{{Content: "a"}}})
			require.NoError(t, err)
			require.Equal(t, 1, created.ID)
			require.Equal(t, 1, created.Comments[0].ID)
			threads, err := f.Threads(ctx, ref)
			require.NoError(t, err)
			require.Len(t, threads, tt.wantKept)
			if tt.drop {
				_, err := f.UpdateThreadStatus(ctx, ref, created.ID, azdo.ThreadFixed)
				e, ok := azdo.AsError(err)
				require.True(t, ok)
				require.Equal(t, azdo.KindNotFound, e.Kind, "a thread not kept is not there to update")
				return
			}
			_, err = f.UpdateThreadStatus(ctx, ref, created.ID, azdo.ThreadFixed)
			require.NoError(t, err)
			_, err = f.UpdateComment(ctx, ref, created.ID, 1, "b")
			require.NoError(t, err)
			_, err = f.UpdateThreadProperties(ctx, ref, created.ID, map[string]string{"k": "v"})
			require.NoError(t, err)
			threads[0].Comments[0].Content = "changed by the caller"
			threads, err = f.Threads(ctx, ref)
			require.NoError(t, err)
			require.Equal(t, azdo.ThreadFixed, threads[0].Status)
			require.Equal(t, "b", threads[0].FirstComment(), "a caller's copy is its own")
			require.Equal(t, map[string]string{"k": "v"}, threads[0].Properties)
			require.Equal(t, []string{"CreateThread", "Threads", "UpdateThreadStatus", "UpdateComment", "UpdateThreadProperties", "Threads"}, f.Calls)
		})
	}
}
