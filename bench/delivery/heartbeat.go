package main

// -heartbeat N measures what keeping reviews alive costs JetStream:
// the messages per second the workers send, and the cluster handles, while
// N reviews are in flight, shared by 4 worker processes, and none finishes.
//
// Everything on loopback: a 3-node cluster of nats-server processes (every
// stream and bucket R3), the Azure DevOps simulator with one pull request
// per review whose pull-request read hangs, ingest in-process, and worker
// processes (the real binary) at the given ACK_WAIT and LEASE_TTL. Once
// every review holds its lease, it samples the servers' monitoring
// endpoints twice, a window apart, as it did before the reviews came (the
// idle fleet's traffic): the workers' connections' inbound
// messages (/connz: in-progress marks, lease refreshes, pull requests) and
// every server's inbound and outbound messages (/varz, replication between
// the servers included).
//
//	go run ./bench/delivery -heartbeat 100 [-heartbeat-window 30s] [-ack-wait 60s -lease-ttl 45s]

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// heartbeatConfig is a -heartbeat run.
type heartbeatConfig struct {
	Reviews, Processes int
	Window             time.Duration
	AckWait, LeaseTTL  time.Duration
	Keep               bool
}

// runHeartbeat measures, prints, and stops everything it started.
func runHeartbeat(ctx context.Context, cfg heartbeatConfig) error {
	if cfg.Reviews < 1 || cfg.Processes < 1 {
		return errors.New("need at least one review and one worker process")
	}
	dir, err := os.MkdirTemp("", "azreviewer-bench-heartbeat-*")
	if err != nil {
		return err
	}
	if cfg.Keep {
		fmt.Println("work directory", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	workerBin, err := apptest.BuildWorker(ctx, dir)
	if err != nil {
		return err
	}
	natsBin, err := apptest.BuildNATSServer(ctx, dir)
	if err != nil {
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	cluster, err := apptest.StartCluster(startCtx, natsBin, filepath.Join(dir, "cluster"), 3)
	cancel()
	if err != nil {
		return err
	}
	defer cluster.Stop()

	sim, err := azdosim.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sim.Close()
	pat := randomHex(26)
	sim.AddPAT(pat, azdosim.Identity{ID: "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01", DisplayName: "Azure Reviewer", UniqueName: "azreviewer@fabrikam.example"})
	org := sim.AddOrg("Fabrikam Fiber")
	repo := org.AddProject("Web Platform").AddRepository("web-app")
	// Every review hangs in its pull-request read, holding its message
	// (marked in progress) and its lease (refreshed).
	sim.Delay("git.pullRequests.get", time.Hour)

	nc, err := nats.Connect(cluster.URLs(0), nats.Name("bench"), nats.MaxReconnects(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	streamCfg := streams.Config{AckWait: cfg.AckWait, Replicas: 3}
	s, err := apptest.Provision(ctx, nc, streamCfg)
	if err != nil {
		return err
	}
	in, err := apptest.StartIngest(s.JS, hookToken, nil)
	if err != nil {
		return err
	}
	defer in.Stop() //nolint:errcheck // nothing to do about it

	// Room for a few more than an even share: a process that pulled one
	// message beyond its share would leave it waiting for redelivery.
	conc := (cfg.Reviews+cfg.Processes-1)/cfg.Processes + 2
	var procs []*apptest.Process
	defer func() {
		for _, p := range procs {
			_ = p.Kill()
		}
	}()
	for i := range cfg.Processes {
		p, err := apptest.StartWorkerProcess(ctx, apptest.ProcessOptions{
			Binary: workerBin, NATSURL: cluster.URLs(i), OrgURL: org.URL(), PAT: pat,
			AckWait: cfg.AckWait, LeaseTTL: cfg.LeaseTTL, Concurrency: conc,
			LogPath: filepath.Join(dir, fmt.Sprintf("worker-%d.log", i)),
			Env:     []string{"STREAM_REPLICAS=3", "AZDO_MAX_CONCURRENT=-1", "AZDO_REQUESTS_PER_SECOND=-1", "AZDO_BUDGET=0", "LOG_LEVEL=info"},
		})
		if err != nil {
			return err
		}
		procs = append(procs, p)
	}
	// The idle fleet first: what the cluster and the workers exchange
	// with nothing to review.
	idle, err := measure(ctx, cluster, cfg.Window)
	if err != nil {
		return err
	}
	for i := range cfg.Reviews {
		base, head := apptest.Sources(fmt.Sprintf("pull request %d", i), 1, 1)
		pr := repo.CreatePullRequest(azdosim.PullRequestSpec{
			Title: fmt.Sprintf("Change %d", i), Base: repo.Commit(base), Head: repo.Commit(head),
			CreatedBy: azdosim.Identity{DisplayName: "Jamal Hartnett", UniqueName: "jamal@fabrikam.example"},
		})
		if d, err := in.Deliver(ctx, pr.Event(azdosim.EventPullRequestCreated)); err != nil || !d.Accepted() {
			return fmt.Errorf("deliver pull request %d: %d %w", i, d.Status, err)
		}
	}
	waitCtx, cancel := context.WithTimeout(ctx, time.Minute)
	err = waitLeases(waitCtx, s.JS, cfg.Reviews)
	cancel()
	if err != nil {
		return err
	}

	busy, err := measure(ctx, cluster, cfg.Window)
	if err != nil {
		return err
	}
	held, err := countLeases(ctx, s.JS)
	if err != nil {
		return err
	}
	lease := "ACK_WAIT"
	if cfg.LeaseTTL > 0 {
		lease = cfg.LeaseTTL.String()
	}
	ttl := cfg.LeaseTTL
	if ttl == 0 {
		ttl = cfg.AckWait
	}
	fmt.Printf("%d reviews in flight on %d worker processes, 3-node cluster R3, ACK_WAIT %s (heartbeat %s), LEASE_TTL %s (refresh %s), %s windows, %d leases held at the end\n",
		cfg.Reviews, cfg.Processes, cfg.AckWait, streamCfg.Heartbeat(), lease, (ttl / 3).Round(time.Millisecond), cfg.Window, held)
	fmt.Printf("  expected from the workers: %.1f in-progress marks/s + %.1f lease refreshes/s\n",
		float64(cfg.Reviews)/streamCfg.Heartbeat().Seconds(), float64(cfg.Reviews)/(ttl/3).Seconds())
	fmt.Printf("  %-28s %12s %12s %12s\n", "msgs/s", "idle", "busy", "difference")
	for _, r := range []struct {
		name       string
		idle, busy float64
	}{
		{"workers → servers", idle.worker, busy.worker},
		{"worker bytes/s", idle.workerBytes, busy.workerBytes},
		{"all servers in (+routes)", idle.in, busy.in},
		{"all servers out (+routes)", idle.out, busy.out},
	} {
		fmt.Printf("  %-28s %12.1f %12.1f %12.1f\n", r.name, r.idle, r.busy, r.busy-r.idle)
	}

	for _, p := range procs {
		_ = p.Kill()
	}
	procs = nil
	return nil
}

// rates are messages (and bytes) per second over a window.
type rates struct{ worker, workerBytes, in, out float64 }

// measure samples the cluster, waits window, samples again and returns the
// rates in between.
func measure(ctx context.Context, c *apptest.Cluster, window time.Duration) (rates, error) {
	before, err := sample(ctx, c)
	if err != nil {
		return rates{}, err
	}
	select {
	case <-ctx.Done():
		return rates{}, ctx.Err()
	case <-time.After(window):
	}
	after, err := sample(ctx, c)
	if err != nil {
		return rates{}, err
	}
	secs := after.at.Sub(before.at).Seconds()
	per := func(a, b int64) float64 { return float64(a-b) / secs }
	return rates{
		worker: per(after.workerMsgs, before.workerMsgs), workerBytes: per(after.workerBytes, before.workerBytes),
		in: per(after.inMsgs, before.inMsgs), out: per(after.outMsgs, before.outMsgs),
	}, nil
}

// counts is one sample of the cluster's monitoring endpoints.
type counts struct {
	at                      time.Time
	workerMsgs, workerBytes int64
	inMsgs, outMsgs         int64
}

// sample sums every server's /varz message counts and its worker
// connections' inbound counts (/connz).
func sample(ctx context.Context, c *apptest.Cluster) (counts, error) {
	s := counts{at: time.Now()}
	for _, n := range c.Nodes {
		body, err := n.Monitor(ctx, "/varz")
		if err != nil {
			return s, err
		}
		var varz struct {
			InMsgs  int64 `json:"in_msgs"`
			OutMsgs int64 `json:"out_msgs"`
		}
		if err := json.Unmarshal(body, &varz); err != nil {
			return s, err
		}
		s.inMsgs += varz.InMsgs
		s.outMsgs += varz.OutMsgs
		body, err = n.Monitor(ctx, "/connz?limit=1024")
		if err != nil {
			return s, err
		}
		var connz struct {
			Connections []struct {
				Name    string `json:"name"`
				InMsgs  int64  `json:"in_msgs"`
				InBytes int64  `json:"in_bytes"`
			} `json:"connections"`
		}
		if err := json.Unmarshal(body, &connz); err != nil {
			return s, err
		}
		for _, conn := range connz.Connections {
			if conn.Name == "azreviewer-worker" {
				s.workerMsgs += conn.InMsgs
				s.workerBytes += conn.InBytes
			}
		}
	}
	return s, nil
}

// waitLeases polls (every 200 ms) until n leases are held.
func waitLeases(ctx context.Context, js jetstream.JetStream, n int) error {
	for {
		held, err := countLeases(ctx, js)
		if err == nil && held >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d leases (held %d): %w", n, held, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func countLeases(ctx context.Context, js jetstream.JetStream) (int, error) {
	kv, err := js.KeyValue(ctx, fleet.Names{}.LeaseBucket())
	if err != nil {
		return 0, err
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for range keys.Keys() {
		n++
	}
	return n, nil
}
