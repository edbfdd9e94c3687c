// Package deploy_test checks deploy/compose.yaml with the compose-spec
// loader: it must parse, and every variable it gives azreviewer's
// processes must be one they read.
package deploy_test

import (
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
)

// envNames lists the environment variables a process reads: one per flag
// (--nats-url is NATS_URL), as ff maps them.
func envNames(register func(fs *flag.FlagSet)) map[string]bool {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	register(fs)
	names := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) {
		names[strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))] = true
	})
	return names
}

func TestComposeFile(t *testing.T) {
	project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  ".",
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml"}},
		Environment: types.Mapping{
			"AZDO_ORG_URL": "https://dev.azure.com/fabrikam", "AZDO_PAT": "pat", "WEBHOOK_TOKEN": "token",
		},
	}, func(o *loader.Options) { o.SetProjectName("azreviewer", true) })
	require.NoError(t, err)

	readers := map[string]map[string]bool{
		"ingest": envNames(func(fs *flag.FlagSet) {
			c := app.RegisterCommon(fs)
			app.RegisterIngest(fs).RegisterOrg(fs)
			c.RegisterNATS(fs)
		}),
		"worker": envNames(func(fs *flag.FlagSet) {
			c := app.RegisterCommon(fs)
			app.RegisterWorker(fs).RegisterMetricsAddr(fs)
			c.RegisterNATS(fs)
		}),
	}
	for name, known := range readers {
		svc, ok := project.Services[name]
		require.True(t, ok, "service %s", name)
		require.NotEmpty(t, svc.Environment)
		for key := range svc.Environment {
			if strings.HasPrefix(key, "OTEL_") {
				continue
			}
			require.True(t, known[key], "service %s sets %s, which it does not read", name, key)
		}
		require.Contains(t, *svc.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"], "jaeger")
		require.NotNil(t, svc.Environment["NATS_URL"])
	}
	for _, svc := range []string{"nats-1", "nats-2", "nats-3", "jaeger"} {
		require.Contains(t, project.Services, svc)
	}
	require.Equal(t, "3", *project.Services["worker"].Environment["STREAM_REPLICAS"])
}
