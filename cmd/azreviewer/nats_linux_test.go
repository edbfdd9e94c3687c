package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app/allinone"
	"github.com/azreviewer/azreviewer/internal/broker/brokertest"
)

// TestEmbeddedNATSIsNotReachable plays another local process: while the
// all-in-one runs, it tries a NATS connection without credentials on every
// TCP port the process listens on. None may answer as NATS (before, the
// embedded server's port did, with every stream and bucket readable).
func TestEmbeddedNATSIsNotReachable(t *testing.T) {
	before := brokertest.ListeningPorts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- allinone.Main(ctx, []string{
			"--azdo-org-url", "https://dev.azure.com/fabrikam", "--azdo-pat", "unused",
			"--webhook-token", "t", "--ingest-addr", "127.0.0.1:0", "--log-level", "warn",
		}, &out, &logs)
	}()

	var ports []int
	require.Eventually(t, func() bool {
		ports = without(brokertest.ListeningPorts(t), before)
		return len(ports) > 0 // the webhook listener, opened after the broker
	}, 20*time.Second, 20*time.Millisecond, logs.String())
	require.Empty(t, brokertest.NATSServedOn(ports), "ports %v", ports)

	cancel()
	require.NoError(t, <-done, logs.String())
}

func without(ports, old []int) []int {
	var out []int
	for _, p := range ports {
		seen := false
		for _, o := range old {
			seen = seen || o == p
		}
		if !seen {
			out = append(out, p)
		}
	}
	return out
}
