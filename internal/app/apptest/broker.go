package apptest

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/provision"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Broker is an embedded nats-server with JetStream on FILE storage, on a
// fixed loopback port, so that it can be shut down and started again on the
// same URL with the same data, as a server restart in production would.
type Broker struct {
	// URL is the nats:// URL; it stays the same across restarts.
	URL     string
	Port    int
	DataDir string

	mu  sync.Mutex
	srv *broker.Server
}

// StartBroker starts a broker storing its data in dataDir, on a free
// loopback port.
func StartBroker(dataDir string) (*Broker, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	b := &Broker{Port: port, DataDir: dataDir, URL: fmt.Sprintf("nats://127.0.0.1:%d", port)}
	if err := b.Start(); err != nil {
		return nil, err
	}
	return b, nil
}

// NewBroker starts a broker with its data in t.TempDir() and stops it when
// the test ends.
func NewBroker(t testing.TB) *Broker {
	t.Helper()
	b, err := StartBroker(t.TempDir())
	if err != nil {
		t.Fatalf("apptest: start broker: %v", err)
	}
	t.Cleanup(b.Stop)
	return b
}

// Start starts the server if it is not running, on the broker's port and
// data directory. The port may briefly be held by the previous instance's
// closing socket, so binding is retried for a few seconds.
func (b *Broker) Start() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv != nil {
		return nil
	}
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for range 50 {
		var srv *broker.Server
		if srv, err = broker.Start(broker.Options{Port: b.Port, DataDir: b.DataDir}); err == nil {
			b.srv = srv
			return nil
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // the port is not free yet; nothing to wait on
	}
	return fmt.Errorf("apptest: start nats-server on port %d: %w", b.Port, err)
}

// Stop shuts the server down and waits for it. The data stays.
func (b *Broker) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv = nil
	}
}

// Restart stops the server and starts it again on the same port and data.
func (b *Broker) Restart() error {
	b.Stop()
	return b.Start()
}

// Connect opens a client connection that reconnects forever (every 100 ms),
// so it survives Restart.
func (b *Broker) Connect(name string) (*nats.Conn, error) {
	nc, err := nats.Connect(b.URL, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		return nil, fmt.Errorf("apptest: connect to %s: %w", b.URL, err)
	}
	return nc, nil
}

// Streams is a client's view of the review stream, its consumer and the
// dead-letter stream.
type Streams struct {
	Conn        *nats.Conn
	JS          jetstream.JetStream
	Stream      jetstream.Stream
	Consumer    jetstream.Consumer
	DeadLetters jetstream.Stream
	Config      streams.Config
}

// Provision creates (or updates) the fleet's streams, consumer and buckets
// with cfg over nc, as "worker provision" does, and opens them.
func Provision(ctx context.Context, nc *nats.Conn, cfg streams.Config) (*Streams, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("apptest: JetStream: %w", err)
	}
	if _, err := provision.Apply(ctx, js, provision.Config{Stream: cfg}); err != nil {
		return nil, fmt.Errorf("apptest: provision: %w", err)
	}
	st, err := js.Stream(ctx, cfg.Fleet.ReviewStream())
	if err != nil {
		return nil, err
	}
	cons, err := st.Consumer(ctx, cfg.Fleet.Consumer())
	if err != nil {
		return nil, err
	}
	dl, err := js.Stream(ctx, cfg.Fleet.DeadLetterStream())
	if err != nil {
		return nil, err
	}
	return &Streams{Conn: nc, JS: js, Stream: st, Consumer: cons, DeadLetters: dl, Config: cfg}, nil
}

// DeadLetterCount is how many messages the dead-letter stream holds.
func (s *Streams) DeadLetterCount(ctx context.Context) (uint64, error) {
	info, err := s.DeadLetters.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.State.Msgs, nil
}

// Settled reports whether the consumer has nothing left to deliver and
// nothing delivered but unacknowledged: every stored review request was
// handled.
func (s *Streams) Settled(ctx context.Context) (bool, error) {
	info, err := s.Consumer.Info(ctx)
	if err != nil {
		return false, err
	}
	return info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0, nil
}

// WaitSettled polls (every 25 ms; JetStream offers no signal for it) until
// Settled or ctx ends.
func (s *Streams) WaitSettled(ctx context.Context) error {
	for {
		ok, err := s.Settled(ctx)
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("apptest: review stream not settled: %w (last error: %w)", ctx.Err(), err)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("apptest: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
