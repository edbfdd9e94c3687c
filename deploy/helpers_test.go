package deploy_test

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

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

// readers are the environment variables each azreviewer binary reads, by
// the binary's name: the flags its main registers.
func readers() map[string]map[string]bool {
	return map[string]map[string]bool{
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
}

// provisionReads are the environment variables "worker provision" reads.
func provisionReads() map[string]bool {
	return envNames(func(fs *flag.FlagSet) { app.RegisterCommon(fs).RegisterNATS(fs) })
}

// readsEnv reports whether a process with the flags known reads name; the
// OpenTelemetry SDK reads the OTEL_ variables itself.
func readsEnv(known map[string]bool, name string) bool {
	return known[name] || strings.HasPrefix(name, "OTEL_")
}

// natsServerVersion is the nats-server version go.mod requires, the one
// every test runs: "2.15.2".
func natsServerVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^\s*github\.com/nats-io/nats-server/v2 v(\S+)`).FindSubmatch(b)
	require.NotNil(t, m, "go.mod requires no nats-server")
	return string(m[1])
}

// fleetSettings are the variables provisioning, ingest and workers must
// agree on: those that decide the fleet's streams, consumer and buckets.
func fleetSettings() []string {
	return []string{"FLEET_NAME", "STREAM_REPLICAS", "ACK_WAIT", "MAX_DELIVER", "DUPLICATE_WINDOW",
		"STREAM_MAX_BYTES", "STREAM_MAX_MSGS", "DEAD_LETTER_MAX_AGE", "DEAD_LETTER_MAX_BYTES", "DEAD_LETTER_MAX_MSGS", "LEASE_TTL"}
}
