package azdosim_test

import (
	"io"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

func TestItems(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(
		map[string]string{"/src/main.go": "package main\n", "/docs/readme.md": "# Docs\n"},
		map[string]string{"/src/main.go": "package main\n\nfunc main() {}\n", "/docs/readme.md": "# Docs\n"},
	)
	client := gitClient(t, sim)
	a := args(sim, pr.ID())
	its, err := client.GetPullRequestIterations(t.Context(), git.GetPullRequestIterationsArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
	})
	require.NoError(t, err)
	base, head := *(*its)[0].CommonRefCommit.CommitId, *(*its)[0].SourceRefCommit.CommitId

	commit := func(id string) *git.GitVersionDescriptor {
		return &git.GitVersionDescriptor{Version: ptr(id), VersionType: &git.GitVersionTypeValues.Commit}
	}
	read := func(t *testing.T, rc io.ReadCloser, err error) string {
		t.Helper()
		require.NoError(t, err)
		defer rc.Close()
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		return string(b)
	}

	contentTests := []struct {
		name, path string
		version    *git.GitVersionDescriptor
		want       string
	}{
		{"base", "/src/main.go", commit(base), "package main\n"},
		{"head", "/src/main.go", commit(head), "package main\n\nfunc main() {}\n"},
		{"path without leading slash", "src/main.go", commit(head), "package main\n\nfunc main() {}\n"},
		{"target branch by name", "/src/main.go", &git.GitVersionDescriptor{Version: ptr("main"), VersionType: &git.GitVersionTypeValues.Branch}, "package main\n"},
		{"source branch, default version type", "/src/main.go", &git.GitVersionDescriptor{Version: ptr("feature")}, "package main\n\nfunc main() {}\n"},
		{"default branch", "/docs/readme.md", nil, "# Docs\n"},
	}
	for _, tt := range contentTests {
		t.Run("content/"+tt.name, func(t *testing.T) {
			t.Parallel()
			rc, err := client.GetItemContent(t.Context(), git.GetItemContentArgs{
				Project: &a.project, RepositoryId: &a.repo, Path: ptr(tt.path), VersionDescriptor: tt.version,
			})
			require.Equal(t, tt.want, read(t, rc, err))
			rc, err = client.GetItemText(t.Context(), git.GetItemTextArgs{
				Project: &a.project, RepositoryId: &a.repo, Path: ptr(tt.path), VersionDescriptor: tt.version,
			})
			require.Equal(t, tt.want, read(t, rc, err))
		})
	}

	t.Run("json item", func(t *testing.T) {
		t.Parallel()
		item, err := client.GetItem(t.Context(), git.GetItemArgs{
			Project: &a.project, RepositoryId: &a.repo, Path: ptr("/src/main.go"),
			VersionDescriptor: commit(head), IncludeContent: ptr(true),
		})
		require.NoError(t, err)
		require.Equal(t, "/src/main.go", *item.Path)
		require.Equal(t, head, *item.CommitId)
		require.Equal(t, git.GitObjectTypeValues.Blob, *item.GitObjectType)
		require.Equal(t, "package main\n\nfunc main() {}\n", *item.Content)

		changes := entries(t, getChanges(t, client, a, 1, nil, nil, nil))
		require.Len(t, changes, 1)
		require.Equal(t, *item.ObjectId, changes[0].ObjectID, "item objectId matches the change entry")
	})

	t.Run("folder", func(t *testing.T) {
		t.Parallel()
		item, err := client.GetItem(t.Context(), git.GetItemArgs{
			Project: &a.project, RepositoryId: &a.repo, Path: ptr("/src"), VersionDescriptor: commit(head),
		})
		require.NoError(t, err)
		require.True(t, *item.IsFolder)
		require.Equal(t, git.GitObjectTypeValues.Tree, *item.GitObjectType)
	})

	t.Run("missing path is GitItemNotFoundException", func(t *testing.T) {
		t.Parallel()
		_, err := client.GetItemContent(t.Context(), git.GetItemContentArgs{
			Project: &a.project, RepositoryId: &a.repo, Path: ptr("/nope.go"), VersionDescriptor: commit(head),
		})
		wrapped := requireAzureError(t, err, 404, "GitItemNotFoundException")
		require.Contains(t, wrapped.Error(), "TF401174")
		require.Contains(t, wrapped.Error(), "/nope.go")

		_, err = client.GetItem(t.Context(), git.GetItemArgs{
			Project: &a.project, RepositoryId: &a.repo, Path: ptr("/nope.go"), VersionDescriptor: commit(base),
		})
		requireAzureError(t, err, 404, "GitItemNotFoundException")

		_, err = client.GetItemText(t.Context(), git.GetItemTextArgs{
			Project: &a.project, RepositoryId: &a.repo, Path: ptr("/nope.go"), VersionDescriptor: commit(base),
		})
		requireAzureError(t, err, 404, "GitItemNotFoundException")
	})

	t.Run("unknown commit", func(t *testing.T) {
		t.Parallel()
		_, err := client.GetItemContent(t.Context(), git.GetItemContentArgs{
			Project: &a.project, RepositoryId: &a.repo, Path: ptr("/src/main.go"),
			VersionDescriptor: commit("0123456789012345678901234567890123456789"),
		})
		requireAzureError(t, err, 404, "GitUnresolvableToCommitException")
	})
}

func TestListItems(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	head := sim.Repo.Commit(map[string]string{
		"/web/views/home/index.html": "index\n", "/web/views/web.config": "<c/>\n", "/web/app.go": "package web\n",
	})
	sim.Repo.SetBranch("main", head)
	client := gitClient(t, sim)
	project, repo := sim.Project.Name(), sim.Repo.ID()

	tests := []struct {
		name, scope string
		level       git.VersionControlRecursionType
		want        []string // paths, folders with a trailing "/"
		wantErr     bool
	}{
		{"a file", "/web/app.go", "", []string{"/web/app.go"}, false},
		{"a folder alone", "/web/views", git.VersionControlRecursionTypeValues.None, []string{"/web/views/"}, false},
		{"one level", "/web", git.VersionControlRecursionTypeValues.OneLevel, []string{"/web/", "/web/app.go", "/web/views/"}, false},
		{"full", "/web", git.VersionControlRecursionTypeValues.Full,
			[]string{"/web/", "/web/app.go", "/web/views/", "/web/views/home/", "/web/views/home/index.html", "/web/views/web.config"}, false},
		{"the root, one level", "/", git.VersionControlRecursionTypeValues.OneLevel, []string{"//", "/web/"}, false},
		{"missing", "/nope", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := git.GetItemsArgs{Project: &project, RepositoryId: &repo, ScopePath: &tt.scope}
			if tt.level != "" {
				args.RecursionLevel = &tt.level
			}
			items, err := client.GetItems(t.Context(), args)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, it := range *items {
				p := *it.Path
				if it.IsFolder != nil && *it.IsFolder {
					require.Equal(t, git.GitObjectTypeValues.Tree, *it.GitObjectType)
					p += "/"
				} else {
					require.Equal(t, git.GitObjectTypeValues.Blob, *it.GitObjectType)
				}
				require.Equal(t, head, *it.CommitId)
				require.NotEmpty(t, *it.ObjectId)
				got = append(got, p)
			}
			require.Equal(t, tt.want, got)
		})
	}
}
