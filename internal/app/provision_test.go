package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// workerArgs are the flags of a worker that would start if JetStream agreed:
// an organisation and a PAT (never called), no listener, quiet logs.
func workerArgs(natsURL string, extra ...string) []string {
	return append([]string{"--nats-url", natsURL, "--azdo-org-url", "http://127.0.0.1:9/org", "--azdo-pat", "pat-not-used",
		"--metrics-addr", "off", "--log-level", "error"}, extra...)
}

// TestWorkerRefusesToChangeTheClustersStream: on a 3-node cluster
// provisioned R3 by "worker provision", a worker started with
// STREAM_REPLICAS=1, and another with a different ACK_WAIT, refuse to
// start (exit status 2) naming the contradiction, and the stream keeps its
// three replicas and the consumer its ack wait. (Before, each process
// rewrote the stream and the consumer with its own flags.)
func TestWorkerRefusesToChangeTheClustersStream(t *testing.T) {
	t.Parallel()
	c := eventstest.StartCluster(t, 3)
	def := streams.Config{}.WithDefaults()

	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	require.NoError(t, app.ProvisionMain(ctx, "worker provision", []string{"--nats-url", c.URL(), "--stream-replicas", "3", "--log-level", "error"}, &out, io.Discard))
	require.Contains(t, out.String(), "fleet azreviewer: created stream AZREVIEWER_REVIEWS")
	require.Contains(t, out.String(), "fleet azreviewer: created bucket azreviewer-leases")

	otherWait := (def.AckWait + 5*time.Second).String()
	tests := []struct {
		name     string
		args     []string
		wantErrs []string
	}{
		{"fewer replicas", []string{"--stream-replicas", "1"}, []string{
			"stream AZREVIEWER_REVIEWS has replicas 3; this process is configured for 1 (STREAM_REPLICAS): run `worker provision` to change it, or fix the setting",
			// Every resource the setting decides is named at once.
			"stream AZREVIEWER_DEAD_LETTERS has replicas 3; this process is configured for 1 (STREAM_REPLICAS)",
			"bucket azreviewer-leases has replicas 3; this process is configured for 1 (STREAM_REPLICAS)",
			"bucket azreviewer-review-state has replicas 3; this process is configured for 1 (STREAM_REPLICAS)",
		}},
		{"another ack wait", []string{"--stream-replicas", "3", "--ack-wait", otherWait}, []string{
			"consumer workers of stream AZREVIEWER_REVIEWS has ack wait " + def.AckWait.String() + "; this process is configured for " + otherWait + " (ACK_WAIT)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			err := app.WorkerMain(ctx, workerArgs(c.URL(), tt.args...), io.Discard, &stderr)
			require.Equal(t, 2, app.Exit(err, &stderr), "%v", err)
			for _, want := range tt.wantErrs {
				require.ErrorContains(t, err, want)
				require.Contains(t, stderr.String(), want)
			}
		})
	}

	js, err := jetstream.New(c.Connect())
	require.NoError(t, err)
	st, err := js.Stream(t.Context(), "AZREVIEWER_REVIEWS")
	require.NoError(t, err)
	require.Equal(t, 3, st.CachedInfo().Config.Replicas, "the stream keeps R3")
	dl, err := js.Stream(t.Context(), "AZREVIEWER_DEAD_LETTERS")
	require.NoError(t, err)
	require.Equal(t, 3, dl.CachedInfo().Config.Replicas)
	cons, err := st.Consumer(t.Context(), "workers")
	require.NoError(t, err)
	require.Equal(t, def.AckWait, cons.CachedInfo().Config.AckWait, "the consumer keeps its ack wait")
}

// TestProcessesRefuseWhatIsNotProvisioned: against a server nothing was
// provisioned on, ingest and the worker refuse to start (exit status 2),
// pointing at "worker provision", and create nothing.
func TestProcessesRefuseWhatIsNotProvisioned(t *testing.T) {
	t.Parallel()
	b := apptest.NewBroker(t)
	mains := []struct {
		name string
		run  func(ctx context.Context, stderr io.Writer) error
		want []string
	}{
		{"ingest", func(ctx context.Context, stderr io.Writer) error {
			return app.IngestMain(ctx, []string{"--nats-url", b.URL, "--ingest-addr", "127.0.0.1:0", "--insecure-no-auth", "--log-level", "error"}, stderr)
		}, []string{"stream AZREVIEWER_REVIEWS", "stream AZREVIEWER_DEAD_LETTERS"}},
		{"worker", func(ctx context.Context, stderr io.Writer) error {
			return app.WorkerMain(ctx, workerArgs(b.URL), io.Discard, stderr)
		}, []string{"stream AZREVIEWER_REVIEWS", "consumer workers of stream AZREVIEWER_REVIEWS", "bucket azreviewer-leases", "bucket azreviewer-review-state", "bucket azreviewer-memory"}},
	}
	for _, m := range mains {
		t.Run(m.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			var stderr bytes.Buffer
			err := m.run(ctx, &stderr)
			require.Equal(t, 2, app.Exit(err, &stderr), "%v", err)
			for _, r := range m.want {
				require.ErrorContains(t, err, r+" does not exist: run `worker provision`")
			}
		})
	}
	nc, err := b.Connect("check")
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	names := js.StreamNames(t.Context())
	var got []string
	for n := range names.Name() {
		got = append(got, n)
	}
	require.NoError(t, names.Err())
	require.Empty(t, got, "nothing was created")
}

// TestProvisionPrintsWhatItChanged: "worker provision" creates everything
// once, then changes only what the configuration changed and says so;
// "azreviewer provision" is the same command.
func TestProvisionPrintsWhatItChanged(t *testing.T) {
	t.Parallel()
	b := apptest.NewBroker(t)
	var out bytes.Buffer
	run := func(args ...string) string {
		t.Helper()
		out.Reset()
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		require.NoError(t, app.WorkerMain(ctx, append([]string{"provision", "--nats-url", b.URL, "--log-level", "error", "--fleet-name", "team-a"}, args...), &out, io.Discard))
		return out.String()
	}
	first := run()
	resources := []string{"stream TEAM-A_REVIEWS", "stream TEAM-A_DEAD_LETTERS", "consumer workers of stream TEAM-A_REVIEWS", "bucket team-a-leases", "bucket team-a-review-state", "bucket team-a-memory", "bucket team-a-budget"}
	for _, r := range resources {
		require.Contains(t, first, "fleet team-a: created "+r+"\n")
	}
	again := run()
	require.Equal(t, len(resources), strings.Count(again, ": unchanged "), again)
	def := streams.Config{}.WithDefaults()
	changed := run("--max-deliver", "3", "--stream-max-msgs", "100")
	require.Contains(t, changed, fmt.Sprintf("fleet team-a: updated consumer workers of stream TEAM-A_REVIEWS: max deliver %d → 4\n", def.ConsumerMaxDeliver()))
	require.Contains(t, changed, fmt.Sprintf("fleet team-a: updated stream TEAM-A_REVIEWS: max messages %d → 100\n", def.MaxMsgs))
	require.Equal(t, len(resources)-2, strings.Count(changed, ": unchanged "), changed)

	out.Reset()
	require.NoError(t, allinone.Main(t.Context(), []string{"provision", "--nats-url", b.URL, "--log-level", "error", "--fleet-name", "team-a", "--max-deliver", "3", "--stream-max-msgs", "100"}, &out, io.Discard))
	require.Equal(t, len(resources), strings.Count(out.String(), ": unchanged "), "azreviewer provision is the same command: %s", out.String())
}

// TestProvisionTakesFlagsOnly: a stray word after "worker provision" is a
// usage error, as for every command, and a fleet name that is no NATS
// token is refused before anything connects.
func TestProvisionTakesFlagsOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"stray argument", []string{"provision", "now"}, `unexpected argument "now"`},
		{"bad fleet name", []string{"provision", "--fleet-name", "a.b"}, `fleet name "a.b"`},
		{"bad fleet name for the worker", []string{"--fleet-name", "Prod"}, `fleet name "Prod"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := app.WorkerMain(t.Context(), append(tt.args, "--nats-url", "nats://127.0.0.1:9"), io.Discard, io.Discard)
			require.ErrorIs(t, err, app.ErrUsage)
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// TestProvisionWaitsForTheCluster: provisioning R3 while the cluster
// cannot place it (2 of its 3 servers down, as a fresh cluster is until
// its servers have met) is logged and tried again until the cluster can,
// instead of failing; the buckets it made then hold a lease.
func TestProvisionWaitsForTheCluster(t *testing.T) {
	t.Parallel()
	cluster := eventstest.StartCluster(t, 3)
	js, err := jetstream.New(cluster.Connect())
	require.NoError(t, err)
	cluster.Stop(1)
	cluster.Stop(2)

	logs := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := app.ProvisionFleet(ctx, js, &app.Common{Stream: streams.Config{Replicas: 3}}, slog.New(slog.NewTextHandler(logs, nil)))
		done <- err
	}()
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "retrying") }, 60*time.Second, 50*time.Millisecond)
	cluster.Start(1)
	cluster.Start(2)
	require.NoError(t, <-done, "logged: %s", logs.String())

	store, err := coordination.Open(ctx, js, streams.Config{Replicas: 3}, coordination.Config{Owner: "w1"})
	require.NoError(t, err)
	lease, err := store.Acquire(ctx, coordination.Key("repo-1", 1))
	require.NoError(t, err, "the buckets work")
	require.NoError(t, lease.Release(ctx))
}
