package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestReadyzFollowsTheStreamsQuorum: on a 3-node cluster with an R3
// review stream, ingest's /readyz answers 503 within 5 s of 2 of the 3
// servers stopping (the stream can acknowledge no publish), whichever
// survives, and 200 again once they are back. A surviving leader still
// calls itself leader for 10 s, and answers the stream's INFO.
func TestReadyzFollowsTheStreamsQuorum(t *testing.T) {
	for _, tc := range []struct {
		name       string
		keepLeader bool
	}{
		{name: "the stream leader survives", keepLeader: true},
		{name: "a follower survives", keepLeader: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cluster := eventstest.StartCluster(t, 3)
			js, err := jetstream.New(cluster.Connect())
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			// A cluster that has just met may not place an R3 stream yet
			// ("no suitable peers for placement"): provisioning retries, so
			// does this.
			var st jetstream.Stream
			require.Eventually(t, func() bool {
				st, err = streams.EnsureReviews(ctx, js, streams.Config{Replicas: 3})
				return err == nil
			}, 30*time.Second, 200*time.Millisecond, "R3 stream")
			h, err := app.NewIngestHandler(&app.Ingest{Token: "t0ken"}, fleet.Names{}, js, app.NewRegistry(), nil)
			require.NoError(t, err)
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)

			waitReadyz(t, srv.URL, http.StatusOK, 20*time.Second)
			info, err := st.Info(ctx)
			require.NoError(t, err)
			require.NotEmpty(t, info.Cluster.Leader)
			// Stop both followers, or the leader and one follower.
			leader := leaderIndex(info.Cluster.Leader)
			var followers []int
			for i := range 3 {
				if i != leader {
					followers = append(followers, i)
				}
			}
			stopped := followers
			if !tc.keepLeader {
				stopped = []int{leader, followers[0]}
			}
			start := time.Now()
			for _, i := range stopped {
				cluster.Stop(i)
			}
			body := waitReadyz(t, srv.URL, http.StatusServiceUnavailable, 5*time.Second)
			require.Contains(t, body, fleet.Names{}.ReviewStream(), "the answer says what is wrong")
			t.Logf("503 %s after stopping 2 of 3: %s", time.Since(start).Round(10*time.Millisecond), body)

			for _, i := range stopped {
				cluster.Start(i)
			}
			start = time.Now()
			waitReadyz(t, srv.URL, http.StatusOK, 60*time.Second)
			t.Logf("200 %s after starting them again", time.Since(start).Round(10*time.Millisecond))
		})
	}
}

// TestWorkerReadyzSaysWhetherItConsumes: a worker's /readyz answers 503
// while it is built but not consuming, 200 while it consumes, and 503 once
// it stops.
func TestWorkerReadyzSaysWhetherItConsumes(t *testing.T) {
	b := eventstest.Start(t, streams.Config{Memory: true})
	ready := &app.WorkerReady{}
	reg := app.NewRegistry()
	srv := httptest.NewServer(app.Routes(nil, ready.Ready, reg))
	t.Cleanup(srv.Close)

	status, body := getReadyz(t, srv.URL)
	require.Equal(t, http.StatusServiceUnavailable, status, body)
	require.Contains(t, body, "not consuming yet")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := &app.Common{Stream: streams.Config{Memory: true}}
	cfg := &app.Worker{AzureDevOps: app.AzureDevOps{OrgURL: "https://dev.azure.com/fabrikam", PAT: "pat"},
		Concurrency: 1, ShutdownGrace: time.Second}
	loop, err := app.NewWorkerLoop(ctx, c, cfg, app.WorkerDeps{JS: b.JS, Stream: b.Stream, Registry: reg, Ready: ready})
	require.NoError(t, err)
	status, body = getReadyz(t, srv.URL)
	require.Equal(t, http.StatusServiceUnavailable, status, "built is not consuming: %s", body)

	done := make(chan error, 1)
	go func() { done <- loop.Run(ctx) }()
	waitReadyz(t, srv.URL, http.StatusOK, 10*time.Second)

	cancel()
	body = waitReadyz(t, srv.URL, http.StatusServiceUnavailable, 10*time.Second)
	require.Contains(t, body, "stopping")
	require.NoError(t, <-done)
}

// leaderIndex is the cluster index of server name "nI".
func leaderIndex(name string) int {
	var i int
	_, _ = fmt.Sscanf(name, "n%d", &i)
	return i
}

// getReadyz answers GET /readyz.
func getReadyz(t *testing.T, base string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// waitReadyz polls /readyz every 100 ms until it answers want, failing the
// test after within; it returns that answer's body.
func waitReadyz(t *testing.T, base string, want int, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	var status int
	var body string
	for time.Now().Before(deadline) {
		if status, body = getReadyz(t, base); status == want {
			return body
		}
		time.Sleep(100 * time.Millisecond) // a state change of the cluster; nothing to wait on
	}
	t.Fatalf("/readyz did not answer %d within %s; last %d %s", want, within, status, body)
	return ""
}
