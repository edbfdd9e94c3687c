package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// connectBackoffMax is the longest wait between two tries of the first
// connection: 1 s, doubling per round over the URLs, up to it.
const connectBackoffMax = 15 * time.Second

// Connect opens a NATS connection that keeps reconnecting, logging its
// state changes, or fails at once when no server of c.NATSURL answers: for
// a command an operator runs. Services use [ConnectWait].
func Connect(c *Common, name string, log *slog.Logger) (*nats.Conn, error) {
	url := redact(c.NATSURL)
	nc, err := nats.Connect(c.NATSURL, append(connectOptions(c, name, log),
		nats.ReconnectWait(time.Second))...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	log.Info("connected to NATS", "url", nc.ConnectedUrlRedacted())
	return nc, nil
}

// connectOptions are the options of every connection: its name, its
// credentials, reconnecting for ever, and logging its state changes.
func connectOptions(c *Common, name string, log *slog.Logger) []nats.Option {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("NATS disconnected", "error", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("NATS reconnected", "url", nc.ConnectedUrlRedacted()) }),
	}
	if c.NATSCreds != "" {
		opts = append(opts, nats.UserCredentials(c.NATSCreds))
	}
	return opts
}

// ConnectWait is [Connect] for a service: while no server of c.NATSURL
// answers, the first connection is tried again (after 1 s, doubling up to
// 15 s), each failed try logged with the redacted URL and its error, until
// ctx ends: a process started before NATS waits for it instead of
// exiting. Once connected, a lost connection is retried every second, for
// ever.
func ConnectWait(ctx context.Context, c *Common, name string, log *slog.Logger) (*nats.Conn, error) {
	url := redact(c.NATSURL)
	var (
		connectedOnce sync.Once
		connected     = make(chan struct{})
		wasConnected  atomic.Bool
		tries         atomic.Int64
	)
	opts := append(connectOptions(c, name, log),
		nats.RetryOnFailedConnect(true),
		nats.CustomReconnectDelay(func(rounds int) time.Duration {
			if wasConnected.Load() {
				return time.Second
			}
			return min(time.Second<<min(max(rounds-1, 0), 4), connectBackoffMax)
		}),
		nats.ConnectHandler(func(*nats.Conn) {
			wasConnected.Store(true)
			connectedOnce.Do(func() { close(connected) })
		}),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			if wasConnected.Load() {
				log.DebugContext(ctx, "NATS reconnection failed; retrying", "url", url, "error", err)
				return
			}
			log.WarnContext(ctx, "NATS not reachable; retrying", "url", url, "try", tries.Add(1), "error", err)
		}),
	)
	nc, err := nats.Connect(c.NATSURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	if !nc.IsConnected() {
		select {
		case <-connected:
		case <-ctx.Done():
			nc.Close()
			return nil, fmt.Errorf("connect to NATS at %s: %w", url, context.Cause(ctx))
		}
	}
	wasConnected.Store(true)
	log.InfoContext(ctx, "connected to NATS", "url", nc.ConnectedUrlRedacted())
	return nc, nil
}
