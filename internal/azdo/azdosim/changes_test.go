package azdosim_test

import (
	"fmt"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

// entry is the part of a change entry the tests compare.
type entry struct {
	Path, ChangeType, OriginalPath, SourceServerItem string
	ObjectID, OriginalObjectID                       string
	TrackingID, ChangeID                             int
}

func entries(t *testing.T, changes *git.GitPullRequestIterationChanges) []entry {
	t.Helper()
	require.NotNil(t, changes.ChangeEntries)
	var out []entry
	for _, ch := range *changes.ChangeEntries {
		item, ok := ch.Item.(map[string]any)
		require.True(t, ok, "item is %T", ch.Item)
		e := entry{ChangeType: string(*ch.ChangeType), TrackingID: *ch.ChangeTrackingId, ChangeID: *ch.ChangeId}
		e.Path, _ = item["path"].(string)
		e.ObjectID, _ = item["objectId"].(string)
		e.OriginalObjectID, _ = item["originalObjectId"].(string)
		if ch.OriginalPath != nil {
			e.OriginalPath = *ch.OriginalPath
		}
		if ch.SourceServerItem != nil {
			e.SourceServerItem = *ch.SourceServerItem
		}
		out = append(out, e)
	}
	return out
}

func getChanges(t *testing.T, client git.Client, a prArgs, iteration int, top, skip, compareTo *int) *git.GitPullRequestIterationChanges {
	t.Helper()
	changes, err := client.GetPullRequestIterationChanges(t.Context(), git.GetPullRequestIterationChangesArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, IterationId: &iteration,
		Top: top, Skip: skip, CompareTo: compareTo,
	})
	require.NoError(t, err)
	return changes
}

func TestIterationChangesReportsChangeTypes(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(
		map[string]string{
			"/edit.go":        "package a\n",
			"/gone.go":        "package gone\n",
			"/same.go":        "package same\n",
			"/src/old/mv.go":  "package mv // moved verbatim\n",
			"/empty-old.txt":  "",
			"/zz/unchanged.c": "int x;\n",
		},
		map[string]string{
			"/edit.go":        "package a\n\nfunc A() {}\n",
			"/added.go":       "package added\n",
			"/same.go":        "package same\n",
			"/src/new/mv.go":  "package mv // moved verbatim\n",
			"/empty-new.txt":  "",
			"/zz/unchanged.c": "int x;\n",
		})
	client := gitClient(t, sim)
	a := args(sim, pr.ID())

	got := entries(t, getChanges(t, client, a, 1, nil, nil, nil))

	want := []struct{ path, changeType, originalPath string }{
		{"/added.go", "add", ""},
		{"/edit.go", "edit", ""},
		{"/empty-new.txt", "add", ""}, // empty files are never paired as renames
		{"/empty-old.txt", "delete", ""},
		{"/gone.go", "delete", ""},
		{"/src/new/mv.go", "rename", "/src/old/mv.go"},
	}
	require.Len(t, got, len(want))
	seenTracking := map[int]bool{}
	for i, w := range want {
		e := got[i]
		require.Equal(t, w.path, e.Path, "entry %d", i)
		require.Equal(t, w.changeType, e.ChangeType, e.Path)
		require.Equal(t, w.originalPath, e.OriginalPath, e.Path)
		require.Equal(t, w.originalPath, e.SourceServerItem, e.Path)
		require.Equal(t, i+1, e.ChangeID, e.Path)
		require.False(t, seenTracking[e.TrackingID], "duplicate changeTrackingId %d", e.TrackingID)
		seenTracking[e.TrackingID] = true
		switch e.ChangeType {
		case "add":
			require.NotEmpty(t, e.ObjectID)
			require.Empty(t, e.OriginalObjectID)
		case "delete":
			require.Empty(t, e.ObjectID)
			require.NotEmpty(t, e.OriginalObjectID)
		case "edit":
			require.NotEqual(t, e.ObjectID, e.OriginalObjectID)
		case "rename":
			require.Equal(t, e.ObjectID, e.OriginalObjectID)
		}
	}
	// Object ids are Git blob ids: `printf 'package added\n' | git hash-object --stdin`.
	require.Equal(t, "74b71d9adaf43b26bbf1807dd1d91abc0ad12dfe", got[0].ObjectID)
}

func TestIterationChangesPaging(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	const files = 257
	head := map[string]string{}
	for i := range files {
		head[fmt.Sprintf("/pkg/file%03d.go", i)] = fmt.Sprintf("package pkg // %d\n", i)
	}
	pr := sim.NewPullRequest(map[string]string{"/README.md": "r"}, head)
	client := gitClient(t, sim)
	a := args(sim, pr.ID())

	for _, top := range []int{1, 7, 100, 256, 257, 2000} {
		t.Run(fmt.Sprintf("top=%d", top), func(t *testing.T) {
			t.Parallel()
			seen := map[string]int{}
			var ordered []string
			skip, pages := 0, 0
			for {
				page := getChanges(t, client, a, 1, ptr(top), ptr(skip), nil)
				pages++
				got := entries(t, page)
				require.LessOrEqual(t, len(got), top)
				for _, e := range got {
					seen[e.Path]++
					ordered = append(ordered, e.Path)
				}
				if *page.NextSkip == 0 {
					require.Zero(t, *page.NextTop)
					break
				}
				require.Equal(t, skip+len(got), *page.NextSkip)
				require.Equal(t, top, *page.NextTop)
				skip, top = *page.NextSkip, *page.NextTop
				require.Less(t, pages, files+2, "paging does not terminate")
			}
			require.Len(t, seen, files+1) // the added files and the deleted README
			for path, n := range seen {
				require.Equal(t, 1, n, path)
			}
			require.IsIncreasing(t, ordered)
		})
	}

	t.Run("default top is 100", func(t *testing.T) {
		t.Parallel()
		page := getChanges(t, client, a, 1, nil, nil, nil)
		require.Len(t, *page.ChangeEntries, 100)
		require.Equal(t, 100, *page.NextSkip)
		require.Equal(t, 100, *page.NextTop)
	})
	t.Run("skip past the end", func(t *testing.T) {
		t.Parallel()
		page := getChanges(t, client, a, 1, nil, ptr(5000), nil)
		require.Empty(t, *page.ChangeEntries)
		require.Zero(t, *page.NextSkip)
	})
}

func TestIterationChangesCompareTo(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	base := map[string]string{"/a.go": "a0", "/b.go": "b0", "/c.go": "c0"}
	iter1 := map[string]string{"/a.go": "a1", "/b.go": "b1", "/c.go": "c0", "/new.go": "n1"}
	iter2 := map[string]string{"/a.go": "a1", "/b.go": "b0", "/c.go": "c2", "/new.go": "n2", "/later.go": "l"}
	pr := sim.NewPullRequest(base, iter1)
	pr.Push(sim.Repo.Commit(iter2))
	client := gitClient(t, sim)
	a := args(sim, pr.ID())

	type pathType struct{ Path, ChangeType string }
	collect := func(es []entry) ([]pathType, map[string]int) {
		var out []pathType
		ids := map[string]int{}
		for _, e := range es {
			out = append(out, pathType{e.Path, e.ChangeType})
			ids[e.Path] = e.TrackingID
		}
		return out, ids
	}

	tests := []struct {
		name      string
		iteration int
		compareTo *int
		want      []pathType
	}{
		{"iteration 1 against base", 1, nil, []pathType{{"/a.go", "edit"}, {"/b.go", "edit"}, {"/new.go", "add"}}},
		{"iteration 2 against base", 2, nil, []pathType{{"/a.go", "edit"}, {"/c.go", "edit"}, {"/later.go", "add"}, {"/new.go", "add"}}},
		{"iteration 2 against base explicitly", 2, ptr(0), []pathType{{"/a.go", "edit"}, {"/c.go", "edit"}, {"/later.go", "add"}, {"/new.go", "add"}}},
		{"iteration 2 against iteration 1", 2, ptr(1), []pathType{{"/b.go", "edit"}, {"/c.go", "edit"}, {"/later.go", "add"}, {"/new.go", "edit"}}},
		{"iteration 1 against iteration 2", 1, ptr(2), []pathType{{"/b.go", "edit"}, {"/c.go", "edit"}, {"/later.go", "delete"}, {"/new.go", "edit"}}},
	}
	trackingIDs := map[string]int{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ids := collect(entries(t, getChanges(t, client, a, tt.iteration, nil, nil, tt.compareTo)))
			require.Equal(t, tt.want, got)
			for path, id := range ids {
				if prev, ok := trackingIDs[path]; ok {
					require.Equal(t, prev, id, "changeTrackingId of %s must be stable across iterations", path)
				}
				trackingIDs[path] = id
			}
		})
	}

	_, err := client.GetPullRequestIterationChanges(t.Context(), git.GetPullRequestIterationChangesArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, IterationId: ptr(2), CompareTo: ptr(9),
	})
	requireAzureError(t, err, 404, "GitPullRequestIterationNotFoundException")
}

func TestIterationChangesOfEmptyPullRequest(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	c := sim.Repo.Commit(map[string]string{"/a": "a"})
	pr := sim.Repo.CreatePullRequest(azdosim.PullRequestSpec{Base: c, Head: c})
	page := getChanges(t, gitClient(t, sim), args(sim, pr.ID()), 1, nil, nil, nil)
	require.NotNil(t, page.ChangeEntries)
	require.Empty(t, *page.ChangeEntries)
}
