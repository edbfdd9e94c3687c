package app

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"
)

// TestQuorum: a group can store while its leader heard, within 3 s, from
// enough replicas that they and it are a majority.
func TestQuorum(t *testing.T) {
	live := func(name string) *jetstream.PeerInfo {
		return &jetstream.PeerInfo{Name: name, Current: true, Active: 500 * time.Millisecond}
	}
	offline := &jetstream.PeerInfo{Name: "off", Current: true, Offline: true, Active: 100 * time.Millisecond}
	stale := &jetstream.PeerInfo{Name: "stale", Current: true, Active: 4 * time.Second}
	unseen := &jetstream.PeerInfo{Name: "unseen"}
	for _, tc := range []struct {
		name    string
		cluster *jetstream.ClusterInfo
		wantErr bool
	}{
		{"no clustering", nil, false},
		{"R1", &jetstream.ClusterInfo{Leader: "n0"}, false},
		{"no leader", &jetstream.ClusterInfo{Replicas: []*jetstream.PeerInfo{live("n1"), live("n2")}}, true},
		{"R3, all live", &jetstream.ClusterInfo{Leader: "n0", Replicas: []*jetstream.PeerInfo{live("n1"), live("n2")}}, false},
		{"R3, one offline", &jetstream.ClusterInfo{Leader: "n0", Replicas: []*jetstream.PeerInfo{live("n1"), offline}}, false},
		{"R3, both offline", &jetstream.ClusterInfo{Leader: "n0", Replicas: []*jetstream.PeerInfo{offline, offline}}, true},
		{"R3, one offline, one silent for 4 s", &jetstream.ClusterInfo{Leader: "n0", Replicas: []*jetstream.PeerInfo{offline, stale}}, true},
		{"R3, one never heard from", &jetstream.ClusterInfo{Leader: "n0", Replicas: []*jetstream.PeerInfo{unseen, offline}}, true},
		{"R5, two down", &jetstream.ClusterInfo{Leader: "n0", Replicas: []*jetstream.PeerInfo{live("n1"), live("n2"), offline, stale}}, false},
		{"R5, three down", &jetstream.ClusterInfo{Leader: "n0", Replicas: []*jetstream.PeerInfo{live("n1"), offline, stale, unseen}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := quorum(tc.cluster)
			if !tc.wantErr {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrNoQuorum)
		})
	}
}

// TestReadyCacheAsksOnceForAStorm: probes arriving while one is asked
// wait for its answer, and the answer serves the probes after it: 50 at
// once cost one check.
func TestReadyCacheAsksOnceForAStorm(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	down := errors.New("down")
	ready := cachedReady(func(context.Context) error {
		calls.Add(1)
		<-release
		return down
	})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	var started sync.WaitGroup
	started.Add(50)
	for range 50 {
		wg.Go(func() {
			started.Done()
			errs <- ready(context.Background())
		})
	}
	started.Wait()
	require.Eventually(t, func() bool { return calls.Load() == 1 }, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.ErrorIs(t, err, down)
	}
	require.ErrorIs(t, ready(context.Background()), down, "cached")
	require.Equal(t, int32(1), calls.Load())

	t.Run("a probe whose context ends stops waiting", func(t *testing.T) {
		block, running := make(chan struct{}), make(chan struct{})
		slow := cachedReady(func(context.Context) error { close(running); <-block; return nil })
		first := make(chan error, 1)
		go func() { first <- slow(context.Background()) }()
		<-running
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, slow(ctx), context.Canceled)
		close(block)
		require.NoError(t, <-first)
	})
}
