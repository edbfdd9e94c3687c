package broker_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/broker"
)

// TestInProcessKeepsDataDirAcrossRestarts: a server without a listener
// still serves JetStream to this process, and a message stored under its
// data directory is there after a restart.
func TestInProcessKeepsDataDirAcrossRestarts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()

	srv, err := broker.Start(broker.Options{DataDir: dir, InProcess: true})
	require.NoError(t, err)
	require.Empty(t, srv.ClientURL(), "an in-process server has no URL to give out")
	nc, err := srv.Connect()
	require.NoError(t, err)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: "KEPT", Subjects: []string{"kept.>"}, Storage: jetstream.FileStorage})
	require.NoError(t, err)
	_, err = js.Publish(ctx, "kept.one", []byte("survives"))
	require.NoError(t, err)
	nc.Close()
	srv.Shutdown()

	srv, err = broker.Start(broker.Options{DataDir: dir, InProcess: true})
	require.NoError(t, err)
	defer srv.Shutdown()
	nc, err = srv.Connect()
	require.NoError(t, err)
	defer nc.Close()
	js, err = jetstream.New(nc)
	require.NoError(t, err)
	st, err := js.Stream(ctx, "KEPT")
	require.NoError(t, err)
	msg, err := st.GetLastMsgForSubject(ctx, "kept.one")
	require.NoError(t, err)
	require.Equal(t, "survives", string(msg.Data))
}
