package azdosim_test

import (
	"sync"
	"testing"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

func typed(typ string, value any) map[string]any {
	return map[string]any{"$type": typ, "$value": value}
}

func TestThreadsAndComments(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/new_feature.cpp": "int a;\n"}, map[string]string{"/new_feature.cpp": "int a;\nint b;\n"})
	client := gitClient(t, sim)
	a := args(sim, pr.ID())
	changes := entries(t, getChanges(t, client, a, 1, nil, nil, nil))
	require.Len(t, changes, 1)

	// Create a file thread as a review bot does.
	created, err := client.CreateThread(t.Context(), git.CreateThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
		CommentThread: &git.GitPullRequestCommentThread{
			Comments: &[]git.Comment{{ParentCommentId: ptr(0), Content: ptr("Consider a constant."), CommentType: &git.CommentTypeValues.Text}},
			Status:   &git.CommentThreadStatusValues.Active,
			ThreadContext: &git.CommentThreadContext{
				FilePath:       ptr("/new_feature.cpp"),
				RightFileStart: &git.CommentPosition{Line: ptr(2), Offset: ptr(1)},
				RightFileEnd:   &git.CommentPosition{Line: ptr(2), Offset: ptr(7)},
			},
			PullRequestThreadContext: &git.GitPullRequestCommentThreadContext{
				ChangeTrackingId: ptr(changes[0].TrackingID),
				IterationContext: &git.CommentIterationContext{FirstComparingIteration: ptr(1), SecondComparingIteration: ptr(1)},
			},
			Properties: map[string]any{
				"azreviewer.fingerprint": "abc123",
				"azreviewer.version":     3,
				"azreviewer.typed":       typed("System.String", "kept"),
			},
		},
	})
	require.NoError(t, err)
	require.NotNil(t, created.Id)
	require.NotNil(t, created.PublishedDate)
	require.Equal(t, git.CommentThreadStatusValues.Active, *created.Status)
	require.Len(t, *created.Comments, 1)
	first := (*created.Comments)[0]
	require.Equal(t, 1, *first.Id)
	require.Equal(t, sim.User.ID, *first.Author.Id)
	require.Equal(t, sim.User.DisplayName, *first.Author.DisplayName)
	require.NotNil(t, first.PublishedDate)
	require.Equal(t, "Consider a constant.", *first.Content)

	wantProps := map[string]any{
		"azreviewer.fingerprint": typed("System.String", "abc123"),
		"azreviewer.version":     typed("System.Int32", float64(3)),
		"azreviewer.typed":       typed("System.String", "kept"),
	}
	require.Equal(t, wantProps, created.Properties)

	// A second, pull-request-level thread gets its own comment ids.
	general, err := client.CreateThread(t.Context(), git.CreateThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
		CommentThread: &git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("Summary")}}},
	})
	require.NoError(t, err)
	require.NotEqual(t, *created.Id, *general.Id)
	require.Equal(t, 1, *(*general.Comments)[0].Id)
	require.Equal(t, git.CommentTypeValues.Text, *(*general.Comments)[0].CommentType)
	require.Nil(t, general.ThreadContext)

	// Reply and resolve.
	reply, err := client.CreateComment(t.Context(), git.CreateCommentArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: created.Id,
		Comment: &git.Comment{ParentCommentId: ptr(1), Content: ptr("Done."), CommentType: &git.CommentTypeValues.Text},
	})
	require.NoError(t, err)
	require.Equal(t, 2, *reply.Id)
	require.Equal(t, 1, *reply.ParentCommentId)
	require.Equal(t, sim.User.ID, *reply.Author.Id)

	updated, err := client.UpdateThread(t.Context(), git.UpdateThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: created.Id,
		CommentThread: &git.GitPullRequestCommentThread{
			Status:     &git.CommentThreadStatusValues.Fixed,
			Properties: map[string]any{"azreviewer.resolvedBy": "push"},
		},
	})
	require.NoError(t, err)
	require.Equal(t, git.CommentThreadStatusValues.Fixed, *updated.Status)
	require.Len(t, *updated.Comments, 2)

	// Read everything back.
	threads, err := client.GetThreads(t.Context(), git.GetThreadsArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
	require.NoError(t, err)
	require.Len(t, *threads, 2)
	got := (*threads)[0]
	require.Equal(t, *created.Id, *got.Id)
	require.Equal(t, git.CommentThreadStatusValues.Fixed, *got.Status)
	require.Equal(t, "/new_feature.cpp", *got.ThreadContext.FilePath)
	require.Equal(t, 2, *got.ThreadContext.RightFileStart.Line)
	require.Equal(t, 7, *got.ThreadContext.RightFileEnd.Offset)
	require.Equal(t, changes[0].TrackingID, *got.PullRequestThreadContext.ChangeTrackingId)
	require.Equal(t, 1, *got.PullRequestThreadContext.IterationContext.SecondComparingIteration)
	wantProps["azreviewer.resolvedBy"] = typed("System.String", "push")
	require.Equal(t, wantProps, got.Properties)
	require.Len(t, *got.Comments, 2)

	one, err := client.GetPullRequestThread(t.Context(), git.GetPullRequestThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: created.Id,
	})
	require.NoError(t, err)
	require.Equal(t, got, *one)

	comments, err := client.GetComments(t.Context(), git.GetCommentsArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: created.Id,
	})
	require.NoError(t, err)
	require.Len(t, *comments, 2)

	// The snapshot is what the API returns.
	require.Equal(t, *threads, pr.Threads())

	_, err = client.UpdateThread(t.Context(), git.UpdateThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: ptr(999),
		CommentThread: &git.GitPullRequestCommentThread{Status: &git.CommentThreadStatusValues.Closed},
	})
	requireAzureError(t, err, 404, "GitPullRequestCommentThreadNotFoundException")
}

func TestAddThreadSeedsOtherAuthorsAndSystemThreads(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	seeded := pr.AddThread(sim.Author, git.GitPullRequestCommentThread{
		Comments:   &[]git.Comment{{Content: ptr("Jamal updated the source branch"), CommentType: &git.CommentTypeValues.System}},
		Properties: map[string]any{"CodeReviewThreadType": "RefUpdate", "CodeReviewRefUpdatedByIdentity": 0},
	})
	require.Equal(t, sim.Author.ID, *(*seeded.Comments)[0].Author.Id)

	client := gitClient(t, sim)
	a := args(sim, pr.ID())
	threads, err := client.GetThreads(t.Context(), git.GetThreadsArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
	require.NoError(t, err)
	require.Equal(t, []git.GitPullRequestCommentThread{seeded}, *threads)
	require.Equal(t, git.CommentTypeValues.System, *(*(*threads)[0].Comments)[0].CommentType)
	require.Equal(t, typed("System.String", "RefUpdate"), (*threads)[0].Properties.(map[string]any)["CodeReviewThreadType"])
}

func TestConcurrentThreadCreation(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	client := gitClient(t, sim)
	a := args(sim, pr.ID())

	const workers = 8
	ids := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			th, err := client.CreateThread(t.Context(), git.CreateThreadArgs{
				Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
				CommentThread: &git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("hi")}}},
			})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- *th.Id
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int]bool{}
	for id := range ids {
		require.False(t, seen[id], "thread id %d handed out twice", id)
		seen[id] = true
	}
	require.Len(t, seen, workers)
	require.Len(t, pr.Threads(), workers)
}

func TestThreadStatusChanges(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	client := gitClient(t, sim)
	a := args(sim, pr.ID())
	statuses := func() []git.CommentThreadStatus {
		t.Helper()
		threads, err := client.GetThreads(t.Context(), git.GetThreadsArgs{Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id})
		require.NoError(t, err)
		require.Equal(t, *threads, pr.Threads())
		var out []git.CommentThreadStatus
		for _, th := range *threads {
			out = append(out, *th.Status)
		}
		return out
	}
	var ids []int
	for range 2 {
		th, err := client.CreateThread(t.Context(), git.CreateThreadArgs{
			Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id,
			CommentThread: &git.GitPullRequestCommentThread{
				Comments: &[]git.Comment{{Content: ptr("finding")}},
				Status:   &git.CommentThreadStatusValues.Active,
			},
		})
		require.NoError(t, err)
		ids = append(ids, *th.Id)
	}
	v := git.CommentThreadStatusValues

	// The bot resolves its own thread: PATCH {"status":"fixed"}.
	updated, err := client.UpdateThread(t.Context(), git.UpdateThreadArgs{
		Project: &a.project, RepositoryId: &a.repo, PullRequestId: &a.id, ThreadId: &ids[0],
		CommentThread: &git.GitPullRequestCommentThread{Status: &v.Fixed},
	})
	require.NoError(t, err)
	require.Equal(t, v.Fixed, *updated.Status)
	require.Equal(t, []git.CommentThreadStatus{v.Fixed, v.Active}, statuses())

	// The author rejects the other one in the web UI, then reopens the
	// first.
	before := pr.Threads()[1].LastUpdatedDate.Time
	pr.SetThreadStatus(ids[1], "wontFix")
	require.Equal(t, []git.CommentThreadStatus{v.Fixed, v.WontFix}, statuses())
	require.False(t, pr.Threads()[1].LastUpdatedDate.Time.Before(before))
	pr.SetThreadStatus(ids[0], string(v.Active))
	require.Equal(t, []git.CommentThreadStatus{v.Active, v.WontFix}, statuses())

	require.PanicsWithValue(t, `azdosim: invalid thread status "resolved"`, func() { pr.SetThreadStatus(ids[0], "resolved") })
	require.Panics(t, func() { pr.SetThreadStatus(999, "closed") })
}

func TestUpdateComment(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"})
	client := gitClient(t, sim)
	a := args(sim, pr.ID())
	created, err := client.CreateThread(t.Context(), git.CreateThreadArgs{
		Project: ptr(a.project), RepositoryId: ptr(a.repo), PullRequestId: ptr(a.id),
		CommentThread: &git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("first")}}},
	})
	require.NoError(t, err)
	got, err := client.UpdateComment(t.Context(), git.UpdateCommentArgs{
		Project: ptr(a.project), RepositoryId: ptr(a.repo), PullRequestId: ptr(a.id),
		ThreadId: created.Id, CommentId: ptr(1), Comment: &git.Comment{Content: ptr("second")},
	})
	require.NoError(t, err)
	require.Equal(t, "second", *got.Content)
	threads := pr.Threads()
	require.Equal(t, "second", *(*threads[0].Comments)[0].Content)

	other := sim.NewPAT(sim.Author)
	otherClient, err := git.NewClient(t.Context(), sim.ConnectionWith(other))
	require.NoError(t, err)
	_, err = otherClient.UpdateComment(t.Context(), git.UpdateCommentArgs{
		Project: ptr(a.project), RepositoryId: ptr(a.repo), PullRequestId: ptr(a.id),
		ThreadId: created.Id, CommentId: ptr(1), Comment: &git.Comment{Content: ptr("hijack")},
	})
	requireAzureError(t, err, 400, "InvalidArgumentValueException")
}
