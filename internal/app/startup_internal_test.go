package app

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStartupLineNamesNoSecret: the start-up line of ingest and the worker
// gives the effective configuration, with every secret (PAT, webhook token
// and password, API keys, a password in the NATS URL, a URL's query, which
// may carry a key) only as "set" or "redacted".
func TestStartupLineNamesNoSecret(t *testing.T) {
	secrets := []string{"pat-5ecret-a1", "token-5ecret-b2", "password-5ecret-c3", "llm-5ecret-d4", "openai-5ecret-e5", "nats-5ecret-f6", "query-5ecret-g7"}
	natsURL := "--nats-url=nats://bot:nats-5ecret-f6@nats-1:4222,nats://nats-2:4222"
	for _, tc := range []struct {
		name  string
		flags func() *flag.FlagSet
		args  []string
		want  []string
	}{
		{
			name:  "ingest",
			flags: func() *flag.FlagSet { fs, _, _ := ingestFlags(io.Discard); return fs },
			args:  []string{natsURL, "--webhook-token=token-5ecret-b2", "--webhook-basic-user=azure-devops", "--webhook-basic-password=password-5ecret-c3", "--stream-replicas=3"},
			want:  []string{"config.webhook_token=set", "config.webhook_basic_password=set", "config.webhook_basic_user=azure-devops", "config.stream_replicas=3", "nats://redacted@nats-1:4222", "process=ingest"},
		},
		{
			name:  "worker",
			flags: func() *flag.FlagSet { fs, _, _ := workerFlags(io.Discard); return fs },
			args: []string{natsURL, "--azdo-pat=pat-5ecret-a1", "--llm-api-key=llm-5ecret-d4", "--azure-openai-api-key=openai-5ecret-e5", "--ack-wait=30s",
				"--llm-base-url=https://llm.example/v1?api-version=2024-10-21&key=query-5ecret-g7"},
			want: []string{`config.llm_base_url="https://llm.example/v1?api-version=redacted&key=redacted"`, "config.azdo_pat=set", "config.llm_api_key=set", "config.azure_openai_api_key=set", "config.ack_wait=30s", `config.azdo_pat_file=""`, "process=worker"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := tc.flags()
			require.NoError(t, fs.Parse(tc.args))
			var out bytes.Buffer
			LogStartup(context.Background(), slog.New(slog.NewTextHandler(&out, nil)), tc.name, fs)
			line := out.String()
			require.Equal(t, 1, strings.Count(line, "\n"), "one line: %s", line)
			for _, s := range secrets {
				require.NotContains(t, line, s)
			}
			for _, w := range tc.want {
				require.Contains(t, line, w)
			}
		})
	}
}
