package app_test

import (
	"bytes"
	"context"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
)

// TestStrayArgumentsAreUsageErrors: a word that is not a subcommand
// ("worker version", a typo) is refused before anything starts, naming the
// subcommands, instead of running the command with its defaults.
func TestStrayArgumentsAreUsageErrors(t *testing.T) {
	t.Parallel()
	mains := []struct {
		name string
		main func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) error
		want string
	}{
		{"ingest", func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return app.IngestMain(ctx, a, e) }, "it has no subcommands"},
		{"worker", func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return app.WorkerMain(ctx, a, o, e) }, "doctor, config, hooks, dead-letters, provision"},
		{"azreviewer", func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return allinone.Main(ctx, a, o, e) }, "doctor, config, hooks, provision"},
	}
	for _, m := range mains {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			err := m.main(context.Background(), []string{"--log-level", "warn", "version"}, &out, &errOut)
			require.ErrorIs(t, err, app.ErrUsage)
			require.ErrorContains(t, err, `unexpected argument "version"`)
			require.ErrorContains(t, err, m.want)
		})
	}
}

// TestHelpNamesEnvironmentAndSubcommands: --help lists the subcommands and,
// for every flag, the environment variable that sets it.
func TestHelpNamesEnvironmentAndSubcommands(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	err := app.WorkerMain(context.Background(), []string{"--help"}, &out, &errOut)
	require.ErrorIs(t, err, flag.ErrHelp)
	help := errOut.String()
	for _, want := range []string{"Usage: worker [flags]", "worker hooks …", "worker dead-letters …", "worker provision …", "--fleet-name value  [FLEET_NAME]", "--azdo-org-url string  [AZDO_ORG_URL]", "--sweep-interval duration  [SWEEP_INTERVAL]", "(default 1m0s)"} {
		require.Contains(t, help, want)
	}
	errOut.Reset()
	require.ErrorIs(t, app.HooksMain(context.Background(), []string{"--help"}, &out, &errOut), flag.ErrHelp)
	require.Contains(t, errOut.String(), "hooks install|status")
}
