package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/broker"
)

// TestConnectWaitsForNATS: a service started before NATS listens tries
// again, logging each try with the URL (credentials redacted) and the
// error, and connects once NATS is up; stopped while waiting, it returns.
func TestConnectWaitsForNATS(t *testing.T) {
	port := freePort(t)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	c := &app.Common{NATSURL: fmt.Sprintf("nats://user:hunter2@127.0.0.1:%d", port)}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		connected bool
		err       error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := app.ConnectWait(ctx, c, "test", log)
		r := result{err: err}
		if nc != nil {
			r.connected = nc.IsConnected()
			nc.Close()
		}
		done <- r
	}()
	waitLog(t, logs, "try=2")
	srv, err := broker.Start(broker.Options{Port: port})
	require.NoError(t, err)
	defer srv.Shutdown()
	r := <-done
	require.NoError(t, r.err)
	require.True(t, r.connected)
	text := logs.String()
	require.Contains(t, text, "redacted@127.0.0.1", "each try names the URL")
	require.Contains(t, text, "connection refused", "and its error")
	require.NotContains(t, text, "hunter2")

	t.Run("stopped while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		logs := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			_, err := app.ConnectWait(ctx, &app.Common{NATSURL: fmt.Sprintf("nats://127.0.0.1:%d", freePort(t))}, "test", slog.New(slog.NewTextHandler(logs, nil)))
			done <- err
		}()
		waitLog(t, logs, "NATS not reachable; retrying")
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}

// waitLog polls, at most 10 s, until logs hold s.
func waitLog(t *testing.T, logs *syncBuffer, s string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), s) }, 10*time.Second, 10*time.Millisecond, "no log line %q", s)
}

// freePort is a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
