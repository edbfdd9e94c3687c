package apptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// BuildNATSServer builds nats-server, at the version go.mod requires, into
// dir and returns the binary's path.
func BuildNATSServer(ctx context.Context, dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "nats-server")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/nats-io/nats-server/v2")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("apptest: go build nats-server: %w\n%s", err, out)
	}
	return bin, nil
}

// Cluster is a JetStream cluster of nats-server processes on loopback, each
// with its own store directory and fixed ports, so that a node can be
// SIGKILLed and started again with its data, as a crashed server restarts
// in production.
type Cluster struct {
	Nodes []*ClusterNode
}

// ClusterNode is one server of a Cluster.
type ClusterNode struct {
	// Name is the server name (n1, n2, …), as JetStream reports leaders.
	Name string
	// URL is its client URL.
	URL                     string
	clientPort, monitorPort int
	bin, config, logPath    string

	cmd    *exec.Cmd
	exited chan struct{}
}

// StartCluster starts n nats-server processes of binary bin clustered with
// JetStream, their configuration, stores and logs under dir, and returns
// once every one reports itself healthy (JetStream and its meta leader
// up), or with an error when ctx ends first.
func StartCluster(ctx context.Context, bin, dir string, n int) (*Cluster, error) {
	if n < 1 {
		return nil, errors.New("apptest: a cluster needs at least one server")
	}
	type ports struct{ client, cluster, monitor int }
	ps := make([]ports, n)
	for i := range ps {
		var err error
		if ps[i].client, err = freePort(); err == nil {
			if ps[i].cluster, err = freePort(); err == nil {
				ps[i].monitor, err = freePort()
			}
		}
		if err != nil {
			return nil, err
		}
	}
	var routes []string
	for _, p := range ps {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", p.cluster))
	}
	c := &Cluster{}
	for i, p := range ps {
		name := fmt.Sprintf("n%d", i+1)
		nodeDir := filepath.Join(dir, name)
		if err := os.MkdirAll(nodeDir, 0o750); err != nil {
			return nil, fmt.Errorf("apptest: cluster directory: %w", err)
		}
		conf := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
http: 127.0.0.1:%d
jetstream {
  store_dir: %q
}
cluster {
  name: apptest
  listen: 127.0.0.1:%d
  routes: [%s]
}
`, name, p.client, p.monitor, filepath.Join(nodeDir, "store"), p.cluster, strings.Join(routes, ", "))
		config := filepath.Join(nodeDir, "nats-server.conf")
		if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
			return nil, fmt.Errorf("apptest: cluster configuration: %w", err)
		}
		c.Nodes = append(c.Nodes, &ClusterNode{
			Name: name, URL: fmt.Sprintf("nats://127.0.0.1:%d", p.client),
			clientPort: p.client, monitorPort: p.monitor,
			bin: bin, config: config, logPath: filepath.Join(nodeDir, "nats-server.log"),
		})
	}
	for _, node := range c.Nodes {
		if err := node.start(); err != nil {
			c.Stop()
			return nil, err
		}
	}
	for _, node := range c.Nodes {
		if err := node.WaitHealthy(ctx); err != nil {
			c.Stop()
			return nil, err
		}
	}
	return c, nil
}

// URLs is every node's client URL, comma-separated, starting with node
// first (0-based), as NATS_URL takes them.
func (c *Cluster) URLs(first int) string {
	urls := make([]string, 0, len(c.Nodes))
	for i := range c.Nodes {
		urls = append(urls, c.Nodes[(first+i)%len(c.Nodes)].URL)
	}
	return strings.Join(urls, ",")
}

// Node returns the node called name, or nil.
func (c *Cluster) Node(name string) *ClusterNode {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Stop SIGTERMs every running node and waits for it (at most 10 s each,
// then SIGKILL).
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		n.stop()
	}
}

func (n *ClusterNode) start() error {
	logFile, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("apptest: nats-server log: %w", err)
	}
	cmd := exec.Command(n.bin, "-c", n.config)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("apptest: start nats-server %s: %w", n.Name, err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	exited := n.exited
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	return nil
}

// Running reports whether the node's process is running.
func (n *ClusterNode) Running() bool {
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// Kill SIGKILLs the node and waits for it to be gone: no shutdown, no
// leadership handed over, the store left as a crash leaves it.
func (n *ClusterNode) Kill() error {
	if !n.Running() {
		return nil
	}
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-n.exited
	return nil
}

// Restart starts a stopped node again on its ports and store and waits
// until it is healthy.
func (n *ClusterNode) Restart(ctx context.Context) error {
	if n.Running() {
		return fmt.Errorf("apptest: nats-server %s is running", n.Name)
	}
	if err := n.start(); err != nil {
		return err
	}
	return n.WaitHealthy(ctx)
}

// WaitHealthy polls the node's /healthz (every 100 ms; a server offers no
// signal for it) until it answers 200 or ctx ends.
func (n *ClusterNode) WaitHealthy(ctx context.Context) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", n.monitorPort)
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		if !n.Running() {
			return fmt.Errorf("apptest: nats-server %s exited; see %s", n.Name, n.logPath)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("apptest: nats-server %s not healthy: %w (last answer: %s); see %s", n.Name, ctx.Err(), last, n.logPath)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Monitor GETs path (such as "/connz?subs=0") from the node's monitoring
// port and returns the body.
func (n *ClusterNode) Monitor(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", n.monitorPort, path), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("apptest: monitor %s%s: %w", n.Name, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("apptest: monitor %s%s: %d", n.Name, path, resp.StatusCode)
	}
	return body, nil
}

func (n *ClusterNode) stop() {
	if !n.Running() {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(10 * time.Second):
		_ = n.Kill()
	}
}
