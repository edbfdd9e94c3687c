package coordination_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestEnsureWaitsForJetStream: setting the R3 buckets up while the
// cluster cannot place them (2 of its 3 servers down, as a fresh cluster
// is until its servers have met) is logged and tried again until the
// cluster can, instead of failing the worker's start.
func TestEnsureWaitsForJetStream(t *testing.T) {
	cluster := eventstest.StartCluster(t, 3)
	js, err := jetstream.New(cluster.Connect())
	require.NoError(t, err)
	cluster.Stop(1)
	cluster.Stop(2)

	logs := &logBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	type result struct {
		store *coordination.Store
		err   error
	}
	done := make(chan result, 1)
	go func() {
		st, err := coordination.Ensure(ctx, js, streams.Config{Replicas: 3}, coordination.Config{Owner: "w1", Logger: slog.New(slog.NewTextHandler(logs, nil))})
		done <- result{st, err}
	}()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "retrying") }, 60*time.Second, 50*time.Millisecond)
	cluster.Start(1)
	cluster.Start(2)
	r := <-done
	require.NoError(t, r.err, "logged: %s", logs.String())
	lease, err := r.store.Acquire(ctx, coordination.Key("repo-1", 1))
	require.NoError(t, err, "the buckets work")
	require.NoError(t, lease.Release(ctx))
}

// logBuffer collects a logger's lines; safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
