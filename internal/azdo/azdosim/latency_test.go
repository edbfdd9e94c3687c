package azdosim_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/stretchr/testify/require"
)

func TestDelayCutShortByTheClientDeadline(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	pr := sim.NewPullRequest(map[string]string{"/a": "1"}, map[string]string{"/a": "2"})
	ops := readOps(gitClient(t, sim), args(sim, pr.ID()))

	sim.Server.Delay("git.pullRequests.get", time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := ops["GetPullRequest"](ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), time.Minute)

	// The server notices the client leaving and logs the request.
	require.NoError(t, sim.Server.WaitRequests(t.Context(), "git.pullRequests.get", 1))
	require.Equal(t, []int{azdosim.StatusClientClosedRequest}, statusesOf(sim, "git.pullRequests.get"))

	// Other operations are not delayed.
	ctx, cancel = context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	require.NoError(t, ops["GetThreads"](ctx))

	// Zero removes the delay.
	sim.Server.Delay("git.pullRequests.get", 0)
	require.NoError(t, ops["GetPullRequest"](ctx))
	require.Equal(t, []int{azdosim.StatusClientClosedRequest, 200}, statusesOf(sim, "git.pullRequests.get"))
}

func TestDelayServesAfterWaiting(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	url := sim.Org.URL() + "/_apis/connectionData"
	const own, all = 40 * time.Millisecond, 20 * time.Millisecond
	sim.Server.Delay("location.connectionData", own)

	start := time.Now()
	resp, _ := rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, 200, resp.StatusCode)
	require.GreaterOrEqual(t, time.Since(start), own)

	// Delays for the operation and for every request add up.
	sim.Server.Delay("", all)
	start = time.Now()
	resp, _ = rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, 200, resp.StatusCode)
	require.GreaterOrEqual(t, time.Since(start), own+all)

	// A delayed request is still checked afterwards: a failure and a bad
	// PAT are answered after the wait.
	sim.Server.Delay("location.connectionData", 0)
	sim.Server.FailRequests("location.connectionData", 1, http.StatusGatewayTimeout, 0)
	start = time.Now()
	resp, _ = rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, http.StatusGatewayTimeout, resp.StatusCode)
	require.GreaterOrEqual(t, time.Since(start), all)
	resp, _ = rawRequest(t, http.MethodGet, url, "not-a-valid-pat")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	require.Equal(t, []int{200, 200, 504, 401}, statusesOf(sim, "location.connectionData"))
	require.Panics(t, func() { sim.Server.Delay("git.pullrequests.get", time.Second) }, "operation names are case-sensitive")
}
