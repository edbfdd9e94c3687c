package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// TestSettingsAreCheckedBeforeConnecting: a configuration mistake stops
// ingest and the worker at once with a usage error naming what to set,
// though no NATS listens at NATS_URL: nothing waits for, connects to or
// provisions NATS first.
func TestSettingsAreCheckedBeforeConnecting(t *testing.T) {
	natsURL := fmt.Sprintf("--nats-url=nats://127.0.0.1:%d", freePort(t))
	ingest := func(ctx context.Context, args []string) error { return app.IngestMain(ctx, args, io.Discard) }
	worker := func(ctx context.Context, args []string) error {
		return app.WorkerMain(ctx, append(args, "--metrics-addr=off"), io.Discard, io.Discard)
	}
	for _, tc := range []struct {
		name    string
		main    func(context.Context, []string) error
		args    []string
		wantErr string
	}{
		{"ingest: a Basic-auth user without its password", ingest, []string{"--webhook-basic-user=azure-devops"}, "WEBHOOK_BASIC_PASSWORD"},
		{"ingest: an organisation URL without its scheme", ingest, []string{"--webhook-token=t0ken", "--azdo-org-url=dev.azure.com/fabrikam"}, "AZDO_ORG_URL"},
		{"ingest: a NATS credentials file that is not there", ingest, []string{"--webhook-token=t0ken", "--nats-creds=testdata/no-such.creds"}, "NATS_CREDS"},
		{"worker: an organisation URL without its scheme", worker, []string{"--azdo-pat=pat", "--azdo-org-url=dev.azure.com/fabrikam"}, "AZDO_ORG_URL"},
		{"worker: no PAT", worker, []string{"--azdo-org-url=https://dev.azure.com/fabrikam"}, "AZDO_PAT"},
		{"worker: an unknown blocking severity", worker, []string{"--azdo-pat=pat", "--azdo-org-url=https://dev.azure.com/fabrikam", "--blocking-severity=fatal"}, "BLOCKING_SEVERITY"},
		{"worker: a NATS credentials file that is not there", worker, []string{"--azdo-pat=pat", "--azdo-org-url=https://dev.azure.com/fabrikam", "--nats-creds=testdata/no-such.creds"}, "NATS_CREDS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Bounds a process that would wait for NATS instead.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := tc.main(ctx, append(tc.args, natsURL))
			require.ErrorIs(t, err, app.ErrUsage)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

// TestProcessesWaitForNATS: ingest and the worker started before NATS
// listens (its fleet provisioned earlier) serve /healthz at once and
// /readyz 503 while they wait, try again, and are ready once NATS is up on
// that port; the worker only once it consumes. Each stops cleanly at the
// end.
func TestProcessesWaitForNATS(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(ctx context.Context, natsURL, addr string) error
	}{
		{"ingest", func(ctx context.Context, natsURL, addr string) error {
			return app.IngestMain(ctx, []string{"--nats-url=" + natsURL, "--ingest-addr=" + addr, "--webhook-token=t0ken"}, io.Discard)
		}},
		{"worker", func(ctx context.Context, natsURL, addr string) error {
			return app.WorkerMain(ctx, []string{"--nats-url=" + natsURL, "--metrics-addr=" + addr,
				"--azdo-org-url=https://dev.azure.com/fabrikam", "--azdo-pat=pat"}, io.Discard, io.Discard)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			natsPort := freePort(t)
			addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			// The fleet is provisioned first (its store outlives the
			// server), as compose and the Kubernetes Job do: the processes
			// check it and change nothing.
			store := t.TempDir()
			first, err := broker.Start(broker.Options{Port: natsPort, DataDir: store})
			require.NoError(t, err)
			require.NoError(t, app.ProvisionMain(ctx, "worker provision", []string{"--nats-url=" + first.ClientURL(), "--log-level=error"}, io.Discard, io.Discard))
			first.Shutdown()
			done := make(chan error, 1)
			go func() { done <- tc.run(ctx, fmt.Sprintf("nats://127.0.0.1:%d", natsPort), addr) }()

			base := "http://" + addr
			require.Eventually(t, func() bool {
				resp, err := http.Get(base + "/healthz")
				if err != nil {
					return false
				}
				resp.Body.Close()
				return resp.StatusCode == http.StatusOK
			}, 10*time.Second, 20*time.Millisecond, "/healthz answers while NATS is awaited")
			status, body := getReadyz(t, base)
			require.Equal(t, http.StatusServiceUnavailable, status, body)
			if tc.name == "ingest" {
				resp, err := http.Post(base+ingest.WebhookPath+"?token=t0ken", "application/json", strings.NewReader("{}"))
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "Azure DevOps delivers it again")
				require.NotEmpty(t, resp.Header.Get("Retry-After"))
			}

			srv, err := broker.Start(broker.Options{Port: natsPort, DataDir: store})
			require.NoError(t, err)
			defer srv.Shutdown()
			waitReadyz(t, base, http.StatusOK, 30*time.Second)

			cancel()
			require.NoError(t, <-done)
		})
	}
}

// TestIngestMetricsOffThePublicPort: with METRICS_ADDR set, ingest serves
// /metrics there and no longer on the webhook's port; METRICS_ADDR equal
// to INGEST_ADDR is a mistake named before connecting.
func TestIngestMetricsOffThePublicPort(t *testing.T) {
	t.Parallel()
	b := eventstest.Start(t, streams.Config{Memory: true})
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	metrics := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- app.IngestMain(ctx, []string{"--nats-url=" + b.Server.ClientURL(), "--ingest-addr=" + addr,
			"--metrics-addr=" + metrics, "--webhook-token=t0ken", "--stream-replicas=1"}, io.Discard)
	}()
	get := func(url string) (int, string) {
		resp, err := http.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "ingest listens")
	waitReadyz(t, "http://"+addr, http.StatusOK, 20*time.Second)
	status, _ := get("http://" + addr + "/metrics")
	require.Equal(t, http.StatusNotFound, status, "not on the public port")
	status, body := get("http://" + metrics + "/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "azreviewer_ingest_deliveries_in_flight")
	cancel()
	require.NoError(t, <-done)

	err := app.IngestMain(context.Background(), []string{"--nats-url=nats://127.0.0.1:9", "--ingest-addr=" + addr,
		"--metrics-addr=" + addr, "--webhook-token=t0ken"}, io.Discard)
	require.ErrorIs(t, err, app.ErrUsage)
	require.ErrorContains(t, err, "METRICS_ADDR")
}
