// Command ingestload measures what hostile but authenticated deliveries
// cost a real ingest or all-in-one process. It runs the given binary on
// loopback (ingest against an embedded JetStream server it starts itself),
// drives it, samples the process's resident memory from /proc, prints a
// table and stops the process. Everything is bounded: connection count,
// bytes, and a hold time after which every connection is closed.
//
//	go build -o /tmp/ingest ./cmd/ingest
//	go run ./bench/ingestload -bin /tmp/ingest -mode slow -n 2000
//	go build -o /tmp/azreviewer ./cmd/azreviewer
//	go run ./bench/ingestload -bin /tmp/azreviewer -allinone -mode comments -n 400
//
// Modes:
//   - slow: n concurrent deliveries each send their headers (Content-Length
//     2 MiB - 1) and -sent bytes of body, then one byte a second until -hold
//     has passed.
//   - comments: n comment webhooks of -comment bytes, 8 at a time, each
//     asking for a review, while nothing consumes the queue (an all-in-one
//     whose Azure DevOps never answers, or ingest with no worker).
//   - rate: no binary. Ingest's webhook throughput against a minimal
//     publish server, in this process and one run (below).
//
// # Mode rate
//
//	go run ./bench/ingestload -mode rate                  # 1, 16 and 64 clients, 21 rounds of 0.5 s
//	go run ./bench/ingestload -mode rate -clients 1,4 -duration 2s -rounds 5
//	go run ./bench/ingestload -mode rate -cpuprofile /tmp/cpu.pprof -memprofile /tmp/allocs.pprof
//
// One embedded JetStream server (file store); ingest wired as the ingest
// command wires it (app.ListenIngest: authentication, limits, otelhttp,
// metrics, logs at info, events.Publisher, the production http.Server);
// and a minimal server that reads the body, decodes it once, publishes the
// same review request to the same stream and answers 202. Clients post
// Microsoft's sample pull-request and comment payloads
// (internal/servicehooks/testdata), each with its own event and
// pull-request id, over keep-alive connections on 127.0.0.1, each waiting
// for its answer before the next delivery. For each level it runs rounds
// of one measurement of each server, in alternating order, the stream
// purged before each, and prints the median requests per second of each
// server, the median and range of the per-round ratios (the two
// measurements of a round are a second apart, so a shared machine's drift
// falls on both), and the process's CPU time per request with each
// (clients and JetStream included, the same for both): less sensitive to
// other load on the machine than the rates. Nothing is asserted: the table
// is the result.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

const token = "load-harness-token"

func main() {
	bin := flag.String("bin", "", "ingest (or, with -allinone, azreviewer) binary to measure")
	allInOne := flag.Bool("allinone", false, "the binary is the all-in-one (embedded, in-memory JetStream)")
	mode := flag.String("mode", "slow", "slow, comments or rate")
	n := flag.Int("n", 2000, "deliveries (at most 5000)")
	sent := flag.Int("sent", 100<<10, "slow: body bytes sent before the drip")
	hold := flag.Duration("hold", 15*time.Second, "slow: how long deliveries stay open (at most 60 s)")
	comment := flag.Int("comment", 900_000, "comments: bytes of comment text (at most 1.9 MiB)")
	rate := registerRateFlags(flag.CommandLine)
	flag.Parse()
	if *mode == "rate" {
		os.Exit(rate.rateMain())
	}
	if *bin == "" || *n < 1 || *n > 5000 || *hold > time.Minute || *comment > 1900<<10 {
		fmt.Fprintln(os.Stderr, "usage: ingestload -bin PATH [-allinone] [-mode slow|comments] [-n N<=5000] [-hold D<=60s], or ingestload -mode rate [...]")
		os.Exit(2)
	}
	if err := run(*bin, *allInOne, *mode, *n, *sent, *hold, *comment); err != nil {
		fmt.Fprintln(os.Stderr, "ingestload:", err)
		os.Exit(1)
	}
}

func run(bin string, allInOne bool, mode string, n, sent int, hold time.Duration, comment int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	env := append(os.Environ(), "INGEST_ADDR="+addr, "WEBHOOK_TOKEN="+token, "LOG_LEVEL=error")
	var js jetstream.JetStream
	if allInOne {
		// An Azure DevOps that accepts connections and never answers.
		azure, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer azure.Close()
		go func() {
			for {
				c, err := azure.Accept()
				if err != nil {
					return
				}
				go func() { _, _ = io.Copy(io.Discard, c) }()
			}
		}()
		env = append(env, "AZDO_ORG_URL=http://"+azure.Addr().String()+"/fabrikam", "AZDO_PAT=load-harness-pat", "METRICS_ADDR=off")
	} else {
		srv, err := broker.Start(broker.Options{})
		if err != nil {
			return err
		}
		defer srv.Shutdown()
		nc, err := srv.Connect()
		if err != nil {
			return err
		}
		defer nc.Close()
		if js, err = jetstream.New(nc); err != nil {
			return err
		}
		env = append(env, "NATS_URL="+srv.ClientURL())
	}

	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = env
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := "http://" + addr
	if err := waitReady(ctx, base); err != nil {
		return err
	}
	time.Sleep(time.Second) // let start-up allocations settle
	before := rss(cmd.Process.Pid)

	var statuses, waits sync.Map
	var peak atomic.Int64
	stopSampling := sample(cmd.Process.Pid, &peak)
	start := time.Now()
	switch mode {
	case "slow":
		slow(addr, n, sent, hold, &statuses, &waits)
	case "comments":
		comments(base, n, comment, &statuses)
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	took := time.Since(start)
	stopSampling()
	time.Sleep(2 * time.Second)
	after := rss(cmd.Process.Pid)

	fmt.Printf("binary          %s (%s)\n", bin, mode)
	fmt.Printf("deliveries      %d in %s\n", n, took.Round(100*time.Millisecond))
	fmt.Printf("RSS before      %6.1f MB\n", mb(before.rss))
	fmt.Printf("RSS peak        %6.1f MB (sampled every 200 ms)\n", mb(peak.Load()))
	fmt.Printf("RSS after       %6.1f MB (2 s after the last delivery)\n", mb(after.rss))
	fmt.Printf("VmHWM           %6.1f MB\n", mb(after.hwm))
	statuses.Range(func(k, v any) bool {
		line := fmt.Sprintf("answer %-8v %d", k, v.(*atomic.Int64).Load())
		if w, ok := waits.Load(k); ok {
			line += fmt.Sprintf(" (slowest answer %s after the headers)", time.Duration(w.(*atomic.Int64).Load()).Round(time.Millisecond))
		}
		fmt.Println(line)
		return true
	})
	if js != nil {
		if info, err := js.Stream(ctx, fleet.Names{}.ReviewStream()); err == nil {
			if st, err := info.Info(ctx); err == nil {
				fmt.Printf("review stream   %d messages, %.1f MB\n", st.State.Msgs, mb(int64(st.State.Bytes)))
			}
		}
	}
	return nil
}

func count(m *sync.Map, key string) {
	v, _ := m.LoadOrStore(key, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

// slowest records the longest wait for an answer of each status.
func slowest(m *sync.Map, key string, d time.Duration) {
	v, _ := m.LoadOrStore(key, new(atomic.Int64))
	for {
		old := v.(*atomic.Int64).Load()
		if int64(d) <= old || v.(*atomic.Int64).CompareAndSwap(old, int64(d)) {
			return
		}
	}
}

// slow opens n deliveries that send their headers and sent body bytes,
// then drip a byte a second until hold passes; all are closed at the end.
func slow(addr string, n, sent int, hold time.Duration, statuses, waits *sync.Map) {
	const contentLength = 2<<20 - 1
	body := []byte(`{"id":"` + strings.Repeat("a", sent) + `"`)[:sent]
	deadline := time.Now().Add(hold)
	dials := make(chan struct{}, 200)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			dials <- struct{}{}
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			<-dials
			if err != nil {
				count(statuses, "dial-error")
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(deadline.Add(5 * time.Second))
			answered := make(chan string, 1)
			go func() {
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					answered <- "none"
					return
				}
				_ = resp.Body.Close()
				answered <- strconv.Itoa(resp.StatusCode)
			}()
			if _, err := fmt.Fprintf(conn, "POST %s?token=%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
				ingest.WebhookPath, token, addr, contentLength); err != nil {
				count(statuses, "write-error")
				return
			}
			sentAt := time.Now()
			_, _ = conn.Write(body)
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case s := <-answered:
					count(statuses, s)
					slowest(waits, s, time.Since(sentAt))
					return
				case <-t.C:
					if time.Now().After(deadline) {
						count(statuses, "held")
						return
					}
					_, _ = conn.Write([]byte(" "))
				}
			}
		})
	}
	wg.Wait()
}

// comments posts n comment webhooks of size bytes, 8 at a time, for n
// different pull requests.
func comments(base string, n, size int, statuses *sync.Map) {
	text := "/azreviewer review\n" + strings.Repeat("lorem ipsum dolor sit amet\n", size/27)
	client := &http.Client{Timeout: 30 * time.Second}
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for pr := range work {
				body, _ := json.Marshal(map[string]any{
					"id": fmt.Sprintf("e%d", pr), "eventType": servicehooks.EventPullRequestComment,
					"resource": map[string]any{
						"comment": map[string]any{"id": 1, "content": text, "commentType": "text"},
						"pullRequest": map[string]any{"pullRequestId": pr, "status": "active",
							"repository": map[string]any{"id": "b1b1b1b1-cccc-dddd-eeee-f2f2f2f2f2f2", "project": map[string]any{"id": "f5f5f5f5-aaaa-bbbb-cccc-d6d6d6d6d6d6"}}},
					},
				})
				resp, err := client.Post(base+ingest.WebhookPath+"?token="+token, "application/json", strings.NewReader(string(body)))
				if err != nil {
					count(statuses, "error")
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				count(statuses, strconv.Itoa(resp.StatusCode))
			}
		})
	}
	for pr := 1; pr <= n; pr++ {
		work <- pr
	}
	close(work)
	wg.Wait()
}

func waitReady(ctx context.Context, base string) error {
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never became ready", base)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

type mem struct{ rss, hwm int64 }

// rss reads VmRSS and VmHWM of pid, in bytes.
func rss(pid int) mem {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return mem{}
	}
	var m mem
	for line := range strings.Lines(string(b)) {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			m.rss = kb << 10
		case "VmHWM:":
			m.hwm = kb << 10
		}
	}
	return m
}

// sample records the highest RSS of pid until the returned func is called.
func sample(pid int, peak *atomic.Int64) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rss(pid).rss; r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func mb(b int64) float64 { return float64(b) / 1e6 }
