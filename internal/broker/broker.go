// Package broker runs an embedded NATS server with JetStream, for the
// all-in-one binary and for tests. In a fleet, ingest and workers connect to
// an external JetStream cluster instead (NATS_URL).
//
// The all-in-one runs it [Options.InProcess]: without a network listener,
// so no other process on the machine can read its streams and buckets or
// publish review requests that bypass the webhook's authentication.
package broker

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Options configures an embedded server.
type Options struct {
	// Host to listen on. Default 127.0.0.1: the embedded server is for one
	// machine.
	Host string
	// Port to listen on; -1 picks a free port. Default -1.
	Port int
	// DataDir keeps JetStream's file store. Empty means a temporary
	// directory removed at Shutdown (messages do not survive a restart).
	DataDir string
	// ReadyTimeout bounds start-up. Default 10 s.
	ReadyTimeout time.Duration
	// MaxPayload is the largest message the server accepts; 0 keeps the
	// server's default (1 MiB).
	MaxPayload int32
	// InProcess starts the server without any network listener: the only
	// way in is [Server.Connect] from this process. Host and Port are
	// ignored.
	InProcess bool
}

// Server is a running embedded NATS server.
type Server struct {
	ns        *server.Server
	tempDir   string
	inProcess bool
}

// Start starts an embedded NATS server with JetStream and waits until it
// accepts connections.
func Start(opts Options) (*Server, error) {
	s := &Server{}
	dir := opts.DataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "azreviewer-nats-*")
		if err != nil {
			return nil, fmt.Errorf("create temporary JetStream directory: %w", err)
		}
		dir, s.tempDir = tmp, tmp
	} else if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create JetStream directory %s: %w", dir, err)
	}
	ns, err := server.NewServer(&server.Options{
		ServerName: "azreviewer-embedded",
		Host:       cmp.Or(opts.Host, "127.0.0.1"),
		Port:       cmp.Or(opts.Port, -1),
		JetStream:  true,
		StoreDir:   dir,
		NoLog:      true,
		NoSigs:     true,
		DontListen: opts.InProcess,
		MaxPayload: opts.MaxPayload,
	})
	if err != nil {
		s.removeTemp()
		return nil, fmt.Errorf("configure embedded NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(cmp.Or(opts.ReadyTimeout, 10*time.Second)) {
		ns.Shutdown()
		s.removeTemp()
		return nil, errors.New("embedded NATS server did not become ready")
	}
	s.ns, s.inProcess = ns, opts.InProcess
	return s, nil
}

// ClientURL is the nats:// URL clients connect to, or "" for a server
// started [Options.InProcess].
func (s *Server) ClientURL() string {
	if s.inProcess {
		return ""
	}
	return s.ns.ClientURL()
}

// Connect opens a client connection to the server: in process for a server
// started [Options.InProcess], over loopback otherwise.
func (s *Server) Connect(opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{nats.Name("azreviewer")}
	if s.inProcess {
		base = append(base, nats.InProcessServer(s.ns))
	}
	nc, err := nats.Connect(s.ClientURL(), append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("connect to embedded NATS server: %w", err)
	}
	return nc, nil
}

// Shutdown stops the server, waits for it, and removes a temporary store.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.removeTemp()
}

func (s *Server) removeTemp() {
	if s.tempDir != "" {
		_ = os.RemoveAll(s.tempDir)
	}
}
