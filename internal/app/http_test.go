package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

func TestHealthReadinessAndMetrics(t *testing.T) {
	b := eventstest.Start(t, streams.Config{Memory: true})
	reg := app.NewRegistry()
	h, err := app.NewIngestHandler(&app.Ingest{Token: "t0ken"}, fleet.Names{}, b.JS, reg, nil)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	status, _ := get("/healthz")
	require.Equal(t, http.StatusOK, status)
	status, _ = get("/readyz")
	require.Equal(t, http.StatusOK, status)
	status, body := get("/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "go_goroutines")

	resp, err := http.Post(srv.URL+"/webhooks/azure-devops?token=wrong", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	_, body = get("/metrics")
	require.Contains(t, body, `azreviewer_ingest_webhooks_total{event_type="",outcome="unauthorized"} 1`)

	// Without the stream, the process cannot do its job (the answer
	// before is cached for a second).
	require.NoError(t, b.JS.DeleteStream(context.Background(), fleet.Names{}.ReviewStream()))
	body = waitReadyz(t, srv.URL, http.StatusServiceUnavailable, 5*time.Second)
	require.Contains(t, body, fleet.Names{}.ReviewStream())
}

// TestServeBoundsHeaders: headers are read before any authentication, so
// their size is what any client can make a connection cost (Go's default is
// 1 MiB per connection).
func TestServeBoundsHeaders(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- app.Serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}), time.Second, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })

	get := func(pad int) int {
		req, err := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/", nil)
		require.NoError(t, err)
		req.Header.Set("X-Pad", strings.Repeat("p", pad))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, get(1<<10))
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, get(64<<10))
}
