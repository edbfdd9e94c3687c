package app_test

import (
	"bufio"
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
		// The grace only bounds the shutdown: net/http holds a connection it
		// answered 431 for half a second before closing it, and polls for
		// idle connections at up to half-second intervals, so a grace near
		// a second runs out on a loaded machine.
		done <- app.Serve(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}), time.Minute, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })

	// Each request is written whole, in one write, before its answer is
	// read. The server stops reading at the bound, answers 431 and resets
	// the connection over the bytes it left unread; net/http's client, still
	// writing, may see only the reset (net/http calls it undefined). Bytes
	// already written are in the kernel's buffers, and the answer queued
	// before the reset is still read.
	get := func(pad int) int {
		conn, err := net.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
		_, err = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: azreviewer\r\nX-Pad: "+strings.Repeat("p", pad)+"\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, get(1<<10))
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, get(64<<10))
}
