package azdosim_test

import (
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

func TestGetPullRequest(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	base := sim.Repo.Commit(map[string]string{"/README.md": "hello\n"})
	head := sim.Repo.Commit(map[string]string{"/README.md": "hello, world\n"})
	pr := sim.Repo.CreatePullRequest(azdosim.PullRequestSpec{
		Title: "Greet the world", Description: "Says hello.",
		SourceBranch: "feature/greet", TargetBranch: "refs/heads/main",
		Base: base, Head: head, CreatedBy: sim.Author, IsDraft: true,
	})
	client := gitClient(t, sim)

	tests := []struct {
		name          string
		project, repo string
	}{
		{"by names", sim.Project.Name(), sim.Repo.Name()},
		{"by ids", sim.Project.ID(), sim.Repo.ID()},
		{"repository id without project", "", sim.Repo.ID()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := client.GetPullRequest(t.Context(), git.GetPullRequestArgs{
				Project: ptr(tt.project), RepositoryId: ptr(tt.repo), PullRequestId: ptr(pr.ID()),
			})
			require.NoError(t, err)
			require.Equal(t, 1, *got.PullRequestId)
			require.Equal(t, "Greet the world", *got.Title)
			require.Equal(t, "Says hello.", *got.Description)
			require.Equal(t, git.PullRequestStatusValues.Active, *got.Status)
			require.True(t, *got.IsDraft)
			require.Equal(t, "refs/heads/feature/greet", *got.SourceRefName)
			require.Equal(t, "refs/heads/main", *got.TargetRefName)
			require.Equal(t, head, *got.LastMergeSourceCommit.CommitId)
			require.Equal(t, base, *got.LastMergeTargetCommit.CommitId)
			require.Equal(t, sim.Author.ID, *got.CreatedBy.Id)
			require.Equal(t, sim.Author.DisplayName, *got.CreatedBy.DisplayName)
			require.Equal(t, sim.Repo.ID(), got.Repository.Id.String())
			require.Equal(t, sim.Repo.Name(), *got.Repository.Name)
			require.Equal(t, sim.Project.Name(), *got.Repository.Project.Name)
			require.NotNil(t, got.CreationDate)
			require.Nil(t, got.ClosedDate)
		})
	}

	t.Run("status and new head are reflected", func(t *testing.T) {
		next := sim.Repo.Commit(map[string]string{"/README.md": "bye\n"})
		pr.Push(next)
		pr.SetStatus(azdosim.StatusCompleted)
		got, err := client.GetPullRequest(t.Context(), git.GetPullRequestArgs{
			Project: ptr(sim.Project.Name()), RepositoryId: ptr(sim.Repo.Name()), PullRequestId: ptr(pr.ID()),
		})
		require.NoError(t, err)
		require.Equal(t, git.PullRequestStatusValues.Completed, *got.Status)
		require.Equal(t, next, *got.LastMergeSourceCommit.CommitId)
		require.NotNil(t, got.ClosedDate)
	})
}

func TestPullRequestIDsAreUniquePerOrg(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	other := sim.Project.AddRepository("Other Repo")
	c := other.Commit(map[string]string{"/x": "x"})

	first := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	second := other.CreatePullRequest(azdosim.PullRequestSpec{Base: c, Head: c})
	require.Equal(t, 1, first.ID())
	require.Equal(t, 2, second.ID())

	// Another organization starts again at 1.
	org2 := sim.Server.AddOrg("Contoso")
	repo2 := org2.AddProject("P").AddRepository("R")
	c2 := repo2.Commit(map[string]string{"/x": "x"})
	require.Equal(t, 1, repo2.CreatePullRequest(azdosim.PullRequestSpec{Base: c2, Head: c2}).ID())
	require.Same(t, second, sim.Org.PullRequest(2))
}

func TestGetPullRequestByID(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	client := gitClient(t, sim)

	for name, project := range map[string]*string{
		"with project name": ptr(sim.Project.Name()),
		"with project id":   ptr(sim.Project.ID()),
		"without project":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := client.GetPullRequestById(t.Context(), git.GetPullRequestByIdArgs{Project: project, PullRequestId: ptr(pr.ID())})
			require.NoError(t, err)
			require.Equal(t, pr.ID(), *got.PullRequestId)
			require.Equal(t, sim.Repo.ID(), got.Repository.Id.String())
		})
	}
}

func TestIterations(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	base := sim.Repo.Commit(map[string]string{"/a": "1"})
	heads := []string{
		sim.Repo.Commit(map[string]string{"/a": "2"}),
		sim.Repo.Commit(map[string]string{"/a": "3"}),
		sim.Repo.Commit(map[string]string{"/a": "4"}),
	}
	pr := sim.Repo.CreatePullRequest(azdosim.PullRequestSpec{Base: base, Head: heads[0], CreatedBy: sim.Author})
	require.Equal(t, 2, pr.Push(heads[1]))
	require.Equal(t, 3, pr.Push(heads[2]))
	require.Equal(t, heads[2], pr.Head())
	client := gitClient(t, sim)
	a := args(sim, pr.ID())

	list, err := client.GetPullRequestIterations(t.Context(), git.GetPullRequestIterationsArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
	})
	require.NoError(t, err)
	require.Len(t, *list, 3)
	for i, it := range *list {
		require.Equal(t, i+1, *it.Id)
		require.Equal(t, heads[i], *it.SourceRefCommit.CommitId)
		require.Equal(t, base, *it.TargetRefCommit.CommitId)
		require.Equal(t, base, *it.CommonRefCommit.CommitId)
		require.NotNil(t, it.CreatedDate)
	}
	reqs := sim.Server.Requests()
	require.Equal(t, "git.iterations.list", reqs[len(reqs)-1].Operation)
	require.Equal(t, "7.1-preview.2", reqs[len(reqs)-1].APIVersion, "iterations negotiate resource version 2")
	require.Equal(t, git.IterationReasonValues.Create, *(*list)[0].Reason)
	require.Equal(t, git.IterationReasonValues.Push, *(*list)[1].Reason)

	it, err := client.GetPullRequestIteration(t.Context(), git.GetPullRequestIterationArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, IterationId: ptr(2),
	})
	require.NoError(t, err)
	require.Equal(t, heads[1], *it.SourceRefCommit.CommitId)

	_, err = client.GetPullRequestIteration(t.Context(), git.GetPullRequestIterationArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, IterationId: ptr(4),
	})
	requireAzureError(t, err, 404, "GitPullRequestIterationNotFoundException")
}

// TestMoveTarget: a push to the target branch that the source branch has
// not merged shows in lastMergeTargetCommit and in the targetRefCommit of
// the iterations pushed after it, not in those before; the common commit,
// and so the changes, stay the pull request's base.
func TestMoveTarget(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	client := gitClient(t, sim)
	args := git.GetPullRequestArgs{RepositoryId: ptr(sim.Repo.ID()), PullRequestId: ptr(pr.ID())}
	got, err := client.GetPullRequest(t.Context(), args)
	require.NoError(t, err)
	base := *got.LastMergeTargetCommit.CommitId

	target := sim.Repo.Commit(map[string]string{"/a": "1", "/.azreviewer.yaml": "version: 1\n"})
	pr.MoveTarget(target)
	pr.Push(sim.Repo.Commit(map[string]string{"/a": "3"}))

	got, err = client.GetPullRequest(t.Context(), args)
	require.NoError(t, err)
	require.Equal(t, target, *got.LastMergeTargetCommit.CommitId)
	its, err := client.GetPullRequestIterations(t.Context(), git.GetPullRequestIterationsArgs{RepositoryId: ptr(sim.Repo.ID()), PullRequestId: ptr(pr.ID())})
	require.NoError(t, err)
	require.Len(t, *its, 2)
	for i, want := range []string{base, target} {
		it := (*its)[i]
		require.Equal(t, want, *it.TargetRefCommit.CommitId, "iteration %d", i+1)
		require.Equal(t, base, *it.CommonRefCommit.CommitId, "iteration %d", i+1)
	}
	changes, err := client.GetPullRequestIterationChanges(t.Context(), git.GetPullRequestIterationChangesArgs{
		RepositoryId: ptr(sim.Repo.ID()), PullRequestId: ptr(pr.ID()), IterationId: ptr(2)})
	require.NoError(t, err)
	require.Len(t, *changes.ChangeEntries, 1, "/a only: the target's new file is not the pull request's")
}
