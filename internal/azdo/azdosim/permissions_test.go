package azdosim_test

import (
	"context"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/security"
	"github.com/stretchr/testify/require"
)

var gitNamespace = uuid.MustParse(azdosim.GitRepositoriesNamespace)

func repoToken(r *azdosim.Repository) string {
	return "repoV2/" + r.Project().ID() + "/" + r.ID()
}

func TestGitPermissionString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		perm azdosim.GitPermission
		want string
	}{
		{azdosim.GitAdminister, "Administer"},
		{azdosim.GitGenericRead, "GenericRead"},
		{azdosim.GitGenericContribute, "GenericContribute"},
		{azdosim.GitPullRequestContribute, "PullRequestContribute"},
		{azdosim.GitManagePermissions, "ManagePermissions"},
		{azdosim.GitManageAdvSecScanning, "ManageAdvSecScanning"},
		{azdosim.GitGenericRead | azdosim.GitPullRequestContribute, "GenericRead|PullRequestContribute"},
		{0, "None"},
		{1 << 20, "GitPermission(1048576)"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, tt.perm.String(), int(tt.perm))
	}
	require.Equal(t, 2, int(azdosim.GitGenericRead))
	require.Equal(t, 4, int(azdosim.GitGenericContribute))
	require.Equal(t, 16384, int(azdosim.GitPullRequestContribute))
}

func TestHasPermissions(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	other := sim.Project.AddRepository("Other Repo")
	sim.Repo.Deny(sim.User, azdosim.GitPullRequestContribute)
	sim.Project.Deny(sim.User, azdosim.GitCreateTag)
	authorPAT := sim.NewPAT(sim.Author)

	projectToken := "repoV2/" + sim.Project.ID()
	tests := []struct {
		name   string
		pat    string
		ns     uuid.UUID
		perms  azdosim.GitPermission
		tokens string
		delim  string
		want   []bool
	}{
		{"denied bit", sim.PAT, gitNamespace, azdosim.GitPullRequestContribute, repoToken(sim.Repo), "", []bool{false}},
		{"other bit", sim.PAT, gitNamespace, azdosim.GitGenericRead, repoToken(sim.Repo), "", []bool{true}},
		{"every other single bit", sim.PAT, gitNamespace, azdosim.GitAdminister | azdosim.GitGenericContribute | azdosim.GitForcePush | azdosim.GitManagePermissions, repoToken(sim.Repo), "", []bool{true}},
		{"all requested bits must be held", sim.PAT, gitNamespace, azdosim.GitGenericRead | azdosim.GitPullRequestContribute, repoToken(sim.Repo), "", []bool{false}},
		{"other repository", sim.PAT, gitNamespace, azdosim.GitPullRequestContribute, repoToken(other), "", []bool{true}},
		{"several tokens", sim.PAT, gitNamespace, azdosim.GitPullRequestContribute, repoToken(sim.Repo) + "," + repoToken(other), ",", []bool{false, true}},
		{"custom delimiter", sim.PAT, gitNamespace, azdosim.GitPullRequestContribute, repoToken(other) + ";" + repoToken(sim.Repo), ";", []bool{true, false}},
		{"repository deny does not reach the project token", sim.PAT, gitNamespace, azdosim.GitPullRequestContribute, projectToken, "", []bool{true}},
		{"project deny", sim.PAT, gitNamespace, azdosim.GitCreateTag, projectToken, "", []bool{false}},
		{"project deny is inherited", sim.PAT, gitNamespace, azdosim.GitCreateTag, repoToken(other), "", []bool{false}},
		{"branch token inherits", sim.PAT, gitNamespace, azdosim.GitPullRequestContribute, repoToken(sim.Repo) + "/refs/heads/6d00610069006e00", "", []bool{false}},
		{"another identity", authorPAT, gitNamespace, azdosim.GitPullRequestContribute | azdosim.GitCreateTag, repoToken(sim.Repo), "", []bool{true}},
		{"another namespace", sim.PAT, uuid.MustParse("52d39943-cb85-4d7f-8fa8-c6baac873819"), azdosim.GitPullRequestContribute, repoToken(sim.Repo), "", []bool{true}},
		{"unknown project", sim.PAT, gitNamespace, azdosim.GitPullRequestContribute, "repoV2/" + uuid.NewString(), "", []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := security.HasPermissionsArgs{
				SecurityNamespaceId:       &tt.ns,
				Permissions:               ptr(int(tt.perms)),
				Tokens:                    &tt.tokens,
				AlwaysAllowAdministrators: ptr(false),
			}
			if tt.delim != "" {
				args.Delimiter = &tt.delim
			}
			got, err := security.NewClient(t.Context(), sim.ConnectionWith(tt.pat)).HasPermissions(t.Context(), args)
			require.NoError(t, err)
			require.Equal(t, tt.want, *got)
		})
	}

	t.Run("batch", func(t *testing.T) {
		t.Parallel()
		eval := func(perms azdosim.GitPermission, token string) security.PermissionEvaluation {
			return security.PermissionEvaluation{SecurityNamespaceId: &gitNamespace, Permissions: ptr(int(perms)), Token: ptr(token)}
		}
		in := []security.PermissionEvaluation{
			eval(azdosim.GitGenericRead, repoToken(sim.Repo)),
			eval(azdosim.GitPullRequestContribute, repoToken(sim.Repo)),
			eval(azdosim.GitPullRequestContribute, repoToken(other)),
			eval(azdosim.GitCreateTag, projectToken),
		}
		got, err := security.NewClient(t.Context(), sim.Connection()).HasPermissionsBatch(t.Context(), security.HasPermissionsBatchArgs{
			EvalBatch: &security.PermissionEvaluationBatch{AlwaysAllowAdministrators: ptr(false), Evaluations: &in},
		})
		require.NoError(t, err)
		require.Len(t, *got.Evaluations, len(in))
		var values []bool
		for i, ev := range *got.Evaluations {
			require.Equal(t, *in[i].Token, *ev.Token)
			require.Equal(t, *in[i].Permissions, *ev.Permissions)
			require.Equal(t, gitNamespace, *ev.SecurityNamespaceId)
			require.NotNil(t, ev.Value, "value of evaluation %d", i)
			values = append(values, *ev.Value)
		}
		require.Equal(t, []bool{true, false, true, false}, values)
	})
}

// writeOps are the pull request writes a review bot makes, each against
// the pull request pr with an existing thread.
func writeOps(client git.Client, a prArgs, threadID int) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"CreateThread": func(ctx context.Context) error {
			_, err := client.CreateThread(ctx, git.CreateThreadArgs{
				Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
				CommentThread: &git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("finding")}}},
			})
			return err
		},
		"UpdateThread": func(ctx context.Context) error {
			_, err := client.UpdateThread(ctx, git.UpdateThreadArgs{
				Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: &threadID,
				CommentThread: &git.GitPullRequestCommentThread{Status: &git.CommentThreadStatusValues.Fixed},
			})
			return err
		},
		"CreateComment": func(ctx context.Context) error {
			_, err := client.CreateComment(ctx, git.CreateCommentArgs{
				Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: &threadID,
				Comment: &git.Comment{ParentCommentId: ptr(1), Content: ptr("reply")},
			})
			return err
		},
		"CreatePullRequestStatus": func(ctx context.Context) error {
			_, err := client.CreatePullRequestStatus(ctx, git.CreatePullRequestStatusArgs{
				Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
				Status: &git.GitPullRequestStatus{State: &git.GitStatusStateValues.Succeeded, Context: &git.GitStatusContext{Name: ptr("azreviewer")}},
			})
			return err
		},
	}
}

// readOps are the pull request reads a review bot makes.
func readOps(client git.Client, a prArgs) map[string]func(ctx context.Context) error {
	return map[string]func(ctx context.Context) error{
		"GetPullRequest": func(ctx context.Context) error {
			_, err := client.GetPullRequest(ctx, git.GetPullRequestArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
			return err
		},
		"GetPullRequestIterations": func(ctx context.Context) error {
			_, err := client.GetPullRequestIterations(ctx, git.GetPullRequestIterationsArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
			return err
		},
		"GetThreads": func(ctx context.Context) error {
			_, err := client.GetThreads(ctx, git.GetThreadsArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
			return err
		},
		"GetPullRequestStatuses": func(ctx context.Context) error {
			_, err := client.GetPullRequestStatuses(ctx, git.GetPullRequestStatusesArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
			return err
		},
	}
}

func TestDeniedPullRequestContribute(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	seeded := pr.AddThread(sim.Author, git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("question")}}})
	sim.Repo.Deny(sim.User, azdosim.GitPullRequestContribute)
	a := args(sim, pr.ID())
	client := gitClient(t, sim)

	for name, op := range writeOps(client, a, *seeded.Id) {
		t.Run(name+" is forbidden", func(t *testing.T) {
			t.Parallel()
			wrapped := requireAzureError(t, op(t.Context()), 403, "GitNeedsPermissionException")
			require.Contains(t, wrapped.Error(), "TF401027: You need the Git 'PullRequestContribute' permission to perform this action.")
			require.Contains(t, wrapped.Error(), "scope 'repository'")
			require.Contains(t, *wrapped.TypeName, "Microsoft.TeamFoundation.Git.Server.GitNeedsPermissionException")
		})
	}
	for name, op := range readOps(client, a) {
		t.Run(name+" still works", func(t *testing.T) {
			t.Parallel()
			require.NoError(t, op(t.Context()))
		})
	}
	t.Run("another identity may write", func(t *testing.T) {
		t.Parallel()
		author, err := git.NewClient(t.Context(), sim.ConnectionWith(sim.NewPAT(sim.Author)))
		require.NoError(t, err)
		require.NoError(t, writeOps(author, a, *seeded.Id)["CreateThread"](t.Context()))
	})
	t.Run("nothing was written by the bot", func(t *testing.T) {
		t.Parallel()
		for _, th := range pr.Threads() {
			for _, c := range *th.Comments {
				require.NotEqual(t, sim.User.ID, *c.Author.Id)
			}
		}
		require.Empty(t, pr.Statuses())
	})
}

func TestAllowRestoresPermission(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	client := gitClient(t, sim)
	create := writeOps(client, args(sim, pr.ID()), 0)["CreateThread"]

	sim.Project.Deny(sim.User, azdosim.GitPullRequestContribute)
	requireAzureError(t, create(t.Context()), 403, "GitNeedsPermissionException")
	sim.Project.Allow(sim.User, azdosim.GitPullRequestContribute)
	require.NoError(t, create(t.Context()))

	sim.Repo.Deny(sim.User, azdosim.GitPullRequestContribute|azdosim.GitCreateTag)
	requireAzureError(t, create(t.Context()), 403, "GitNeedsPermissionException")
	sim.Repo.Allow(sim.User, azdosim.GitPullRequestContribute)
	require.NoError(t, create(t.Context()))
}

func TestDeniedGenericReadHidesTheRepository(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	sim.Repo.Deny(sim.User, azdosim.GitGenericRead)
	a := args(sim, pr.ID())
	client := gitClient(t, sim)

	for name, op := range readOps(client, a) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			wrapped := requireAzureError(t, op(t.Context()), 404, "GitRepositoryNotFoundException")
			require.Contains(t, wrapped.Error(), "TF401019")
		})
	}
	t.Run("CreateThread", func(t *testing.T) {
		t.Parallel()
		requireAzureError(t, writeOps(client, a, 1)["CreateThread"](t.Context()), 404, "GitRepositoryNotFoundException")
	})
	t.Run("by repository id", func(t *testing.T) {
		t.Parallel()
		_, err := client.GetPullRequest(t.Context(), git.GetPullRequestArgs{RepositoryId: ptr(sim.Repo.ID()), PullRequestId: &a.id})
		requireAzureError(t, err, 404, "GitRepositoryNotFoundException")
	})
	t.Run("GetPullRequestById", func(t *testing.T) {
		t.Parallel()
		_, err := client.GetPullRequestById(t.Context(), git.GetPullRequestByIdArgs{PullRequestId: &a.id})
		requireAzureError(t, err, 404, "GitPullRequestNotFoundException")
	})
	t.Run("HasPermissions reports it", func(t *testing.T) {
		t.Parallel()
		got, err := security.NewClient(t.Context(), sim.Connection()).HasPermissions(t.Context(), security.HasPermissionsArgs{
			SecurityNamespaceId: &gitNamespace,
			Permissions:         ptr(int(azdosim.GitGenericRead | azdosim.GitPullRequestContribute)),
			Tokens:              ptr(repoToken(sim.Repo)),
		})
		require.NoError(t, err)
		require.Equal(t, []bool{false}, *got)
	})
	t.Run("the author still reads", func(t *testing.T) {
		t.Parallel()
		author, err := git.NewClient(t.Context(), azuredevops.NewPatConnection(sim.Org.URL(), sim.NewPAT(sim.Author)))
		require.NoError(t, err)
		require.NoError(t, readOps(author, a)["GetPullRequest"](t.Context()))
	})
}
