// Package deploy_test checks deploy/compose.yaml with the compose-spec
// loader: it must parse, and every variable it gives azreviewer's
// processes must be one they read.
package deploy_test

import (
	"context"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"
)

func TestComposeFile(t *testing.T) {
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  ".",
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml"}},
		Environment: types.Mapping{
			"AZDO_ORG_URL": "https://dev.azure.com/fabrikam", "AZDO_PAT": "pat", "WEBHOOK_TOKEN": "token",
		},
	}, func(o *loader.Options) { o.SetProjectName("azreviewer", true) })
	require.NoError(t, err)

	for name, known := range readers() {
		svc, ok := project.Services[name]
		require.True(t, ok, "service %s", name)
		require.NotEmpty(t, svc.Environment)
		for key := range svc.Environment {
			require.True(t, readsEnv(known, key), "service %s sets %s, which it does not read", name, key)
		}
		require.Contains(t, *svc.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"], "jaeger")
		require.NotNil(t, svc.Environment["NATS_URL"])
	}
	for _, svc := range []string{"nats-1", "nats-2", "nats-3", "jaeger"} {
		require.Contains(t, project.Services, svc)
	}
	require.Equal(t, "3", *project.Services["worker"].Environment["STREAM_REPLICAS"])
}
