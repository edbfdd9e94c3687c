package broker_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/broker/brokertest"
)

// TestInProcessOpensNoSocket: starting an in-process server adds no
// listening socket to this process, while a default one adds one.
func TestInProcessOpensNoSocket(t *testing.T) {
	before := brokertest.ListeningPorts(t)

	srv, err := broker.Start(broker.Options{InProcess: true})
	require.NoError(t, err)
	defer srv.Shutdown()
	nc, err := srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	require.ElementsMatch(t, before, brokertest.ListeningPorts(t))

	tcp, err := broker.Start(broker.Options{})
	require.NoError(t, err)
	defer tcp.Shutdown()
	require.Len(t, brokertest.ListeningPorts(t), len(before)+1, "the check sees a listener when there is one")
}
