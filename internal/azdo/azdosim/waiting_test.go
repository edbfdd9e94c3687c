package azdosim_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"
)

func TestWaitThreads(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	a := args(sim, pr.ID())
	client := gitClient(t, sim)

	// Two threads written through the API while the test waits.
	written := make(chan error, 1)
	go func() {
		create := writeOps(client, a, 0)["CreateThread"]
		err := create(t.Context())
		if err == nil {
			err = create(t.Context())
		}
		written <- err
	}()
	threads, err := pr.WaitThreads(t.Context(), 2)
	require.NoError(t, err)
	require.Len(t, threads, 2)
	require.Equal(t, "finding", *(*threads[1].Comments)[0].Content)
	require.NoError(t, <-written)

	// A thread seeded through the setup API wakes a waiter as well.
	waited := make(chan []git.GitPullRequestCommentThread, 1)
	go func() {
		threads, err := pr.WaitThreads(t.Context(), 3)
		if err != nil {
			t.Error(err)
		}
		waited <- threads
	}()
	pr.AddThread(sim.Author, git.GitPullRequestCommentThread{Comments: &[]git.Comment{{Content: ptr("question")}}})
	require.Len(t, <-waited, 3)

	// The context ends the wait; dropped writes never count.
	pr.DropThreadWrites(true)
	require.NoError(t, writeOps(client, a, 0)["CreateThread"](t.Context()))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	threads, err = pr.WaitThreads(ctx, 4)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Len(t, threads, 3, "the threads there are")

	// A satisfied wait returns even with an ended context.
	threads, err = pr.WaitThreads(ctx, 3)
	require.NoError(t, err)
	require.Len(t, threads, 3)
}

func TestWaitEndsWhenTheServerCloses(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	done := make(chan error, 2)
	go func() { done <- sim.Server.WaitRequests(t.Context(), "git.threads.create", 1) }()
	go func() {
		_, err := pr.WaitThreads(t.Context(), 1)
		done <- err
	}()
	require.NoError(t, sim.Server.Close())
	for range 2 {
		err := <-done
		require.ErrorContains(t, err, "server closed")
		require.NotErrorIs(t, err, context.Canceled)
	}
}

func TestCountAndWaitRequests(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	a := args(sim, pr.ID())
	require.Zero(t, sim.Server.Count(""))

	client := gitClient(t, sim) // discovery: OPTIONS and ResourceAreas
	reads := readOps(client, a)
	create := writeOps(client, a, 0)["CreateThread"]
	require.NoError(t, reads["GetPullRequest"](t.Context()))
	require.NoError(t, create(t.Context()))
	require.NoError(t, create(t.Context()))
	sim.Server.FailRequests("git.threads.create", 1, http.StatusServiceUnavailable, 0)
	requireAzureError(t, create(t.Context()), 503, "VssServiceUnavailableException")
	resp, _ := rawRequest(t, http.MethodGet, sim.Org.URL()+"/_apis/nothing-here", sim.PAT)
	require.Equal(t, 404, resp.StatusCode)

	require.Equal(t, 3, sim.Server.Count("git.threads.create"), "failed requests count too")
	require.Equal(t, 1, sim.Server.Count("git.pullRequests.get"))
	require.Equal(t, 1, sim.Server.Count("location.options"))
	require.Zero(t, sim.Server.Count("git.statuses.create"))
	require.Equal(t, len(sim.Server.Requests()), sim.Server.Count(""))
	require.Equal(t, 7, sim.Server.Count(""), "every request, routed or not")
	require.Panics(t, func() { sim.Server.Count("git.threads.creat") })

	// Already satisfied waits return at once; others wait for requests.
	require.NoError(t, sim.Server.WaitRequests(t.Context(), "git.threads.create", 3))
	waited := make(chan error, 1)
	go func() { waited <- sim.Server.WaitRequests(t.Context(), "git.threads.list", 2) }()
	require.NoError(t, reads["GetThreads"](t.Context()))
	require.NoError(t, reads["GetThreads"](t.Context()))
	require.NoError(t, <-waited)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := sim.Server.WaitRequests(ctx, "git.statuses.create", 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, `waiting for 1 "git.statuses.create" requests`)
}
