package eventstest

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Cluster is n nats-servers clustered with JetStream on loopback, each
// with its own store directory and fixed ports, so that a server can be
// stopped and started again as the same cluster member. Safe for
// concurrent use.
type Cluster struct {
	t       testing.TB
	mu      sync.Mutex
	opts    []*server.Options
	servers []*server.Server
}

// StartCluster starts an n-server JetStream cluster on 127.0.0.1, waits
// until it has a JetStream meta leader, and stops it when the test ends.
// The ports are picked free before the servers bind them, so another test
// may take one in between: then the cluster starts again on new ports (at
// most three times).
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	var err error
	for range 3 {
		var c *Cluster
		if c, err = startCluster(t, n); err == nil {
			c.WaitJetStream()
			return c
		}
	}
	t.Fatalf("eventstest: start a %d-server cluster: %v", n, err)
	return nil
}

// startCluster is one try of [StartCluster] on freshly picked ports; a
// server that cannot start stops those started.
func startCluster(t testing.TB, n int) (*Cluster, error) {
	t.Helper()
	clientPorts, routePorts := freePorts(t, n), freePorts(t, n)
	routes := make([]*url.URL, n)
	for i, p := range routePorts {
		routes[i] = &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", p)}
	}
	dir := t.TempDir()
	c := &Cluster{t: t, servers: make([]*server.Server, n)}
	for i := range n {
		c.opts = append(c.opts, &server.Options{
			ServerName: fmt.Sprintf("n%d", i),
			Host:       "127.0.0.1",
			Port:       clientPorts[i],
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("n%d", i)),
			Cluster:    server.ClusterOpts{Name: "eventstest", Host: "127.0.0.1", Port: routePorts[i]},
			Routes:     routes,
			NoLog:      true,
			NoSigs:     true,
		})
	}
	stopAll := func() {
		for i := range n {
			c.Stop(i)
		}
	}
	for i := range n {
		if err := c.start(i); err != nil {
			stopAll()
			return nil, err
		}
	}
	t.Cleanup(stopAll)
	return c, nil
}

// URL is every server's client URL, comma-separated, as NATS_URL takes it.
func (c *Cluster) URL() string {
	urls := make([]string, len(c.opts))
	for i, o := range c.opts {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", o.Port)
	}
	return strings.Join(urls, ",")
}

// Connect opens a connection to the cluster that reconnects forever
// (every 100 ms), closed when the test ends.
func (c *Cluster) Connect() *nats.Conn {
	c.t.Helper()
	nc, err := nats.Connect(c.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		c.t.Fatalf("eventstest: connect to the cluster: %v", err)
	}
	c.t.Cleanup(nc.Close)
	return nc
}

// Start starts server i if it is not running, with its ports and store.
// The ports may briefly be held by the previous instance's closing
// sockets, so binding is retried for a few seconds.
func (c *Cluster) Start(i int) {
	c.t.Helper()
	if err := c.start(i); err != nil {
		c.t.Fatalf("eventstest: start cluster server %d: %v", i, err)
	}
}

// start starts server i, trying for about 30 s at most.
func (c *Cluster) start(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.servers[i] != nil {
		return nil
	}
	var err error
	for range 6 {
		var s *server.Server
		if s, err = server.NewServer(c.opts[i]); err == nil {
			go s.Start()
			if s.ReadyForConnections(5 * time.Second) {
				c.servers[i] = s
				return nil
			}
			s.Shutdown()
			err = fmt.Errorf("server %s did not become ready", c.opts[i].ServerName)
		}
		time.Sleep(100 * time.Millisecond) // the port is not free yet; nothing to wait on
	}
	return err
}

// Stop shuts server i down and waits for it; its store stays.
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.servers[i]; s != nil {
		s.Shutdown()
		s.WaitForShutdown()
		c.servers[i] = nil
	}
}

// WaitJetStream waits, at most 30 s, until a running server is the
// JetStream meta leader and every running server is current with it.
func (c *Cluster) WaitJetStream() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c.jetStreamReady() {
			return
		}
		time.Sleep(50 * time.Millisecond) // the servers offer no signal for it
	}
	c.t.Fatal("eventstest: the cluster elected no JetStream meta leader in 30 s")
}

func (c *Cluster) jetStreamReady() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	leader := false
	for _, s := range c.servers {
		if s == nil {
			continue
		}
		if !s.JetStreamIsCurrent() {
			return false
		}
		leader = leader || s.JetStreamIsLeader()
	}
	return leader
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("eventstest: find a free port: %v", err)
		}
		defer ln.Close()
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports
}
