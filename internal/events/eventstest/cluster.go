package eventstest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Cluster is a JetStream cluster of in-process nats-servers on loopback,
// each with its own store, as a fleet runs it (R3 on three nodes).
type Cluster struct {
	Servers []*server.Server
	// URL lists every node's client URL, comma-separated, as NATS_URL
	// takes them.
	URL  string
	Conn *nats.Conn
	JS   jetstream.JetStream
}

// StartCluster starts n clustered nats-servers with JetStream on
// 127.0.0.1 (random client ports, cluster ports picked free just before),
// each storing in its own t.TempDir(), waits (at most 20 s) until the
// cluster has elected its JetStream meta leader, connects to it, and shuts
// everything down when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ports[i] = freePort(t)
	}
	routes := make([]string, n)
	for i, p := range ports {
		routes[i] = fmt.Sprintf("nats://127.0.0.1:%d", p)
	}
	c := &Cluster{}
	t.Cleanup(func() {
		if c.Conn != nil {
			c.Conn.Close()
		}
		for _, s := range c.Servers {
			s.Shutdown()
			s.WaitForShutdown()
		}
	})
	urls := make([]string, n)
	for i := range n {
		var others []*url.URL
		for j, r := range routes {
			if j != i {
				u, err := url.Parse(r)
				if err != nil {
					t.Fatal(err)
				}
				others = append(others, u)
			}
		}
		s, err := server.NewServer(&server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       -1,
			JetStream:  true,
			StoreDir:   t.TempDir(),
			NoLog:      true,
			NoSigs:     true,
			Cluster:    server.ClusterOpts{Name: "azreviewer-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:     others,
		})
		if err != nil {
			t.Fatalf("eventstest: configure cluster node %d: %v", i+1, err)
		}
		go s.Start()
		c.Servers = append(c.Servers, s)
		if !s.ReadyForConnections(10 * time.Second) {
			t.Fatalf("eventstest: cluster node %d not ready", i+1)
		}
		urls[i] = s.ClientURL()
	}
	c.URL = strings.Join(urls, ",")
	c.waitForMetaLeader(t)
	nc, err := nats.Connect(c.URL, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatalf("eventstest: connect to the cluster: %v", err)
	}
	c.Conn = nc
	if c.JS, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitForMetaLeader waits, at most 20 s, until every node sees the whole
// cluster and one is the JetStream meta leader.
func (c *Cluster) waitForMetaLeader(t testing.TB) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		leader, routed := false, true
		for _, s := range c.Servers {
			leader = leader || s.JetStreamIsLeader()
			routed = routed && s.NumRoutes() >= len(c.Servers)-1
		}
		if leader && routed {
			return
		}
		select {
		case <-deadline:
			t.Fatalf("eventstest: the cluster elected no JetStream meta leader in 20 s")
		case <-tick.C:
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("eventstest: find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
