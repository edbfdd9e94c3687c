package app_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// doctor checks every organisation of the file, one table each, or the
// one --org names; a repository belongs to one organisation.
func TestDoctorChecksEachOrganisation(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	alpha, beta, gamma := newReloadOrg(t, sim, "alpha"), newReloadOrg(t, sim, "beta"), newReloadOrg(t, sim, "gamma")
	path := filepath.Join(t.TempDir(), "orgs.yaml")
	writeOrgsFile(t, path, alpha, beta, gamma)
	sim.Server.RevokePAT(gamma.pat)

	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := app.DoctorMain(context.Background(), append([]string{"--azdo-orgs-file", path, "--azdo-max-retries", "-1", "--log-level", "error"}, args...), &out, io.Discard)
		return out.String(), err
	}
	out, err := run()
	require.ErrorIs(t, err, app.ErrChecksFailed, out)
	tables := regexp.MustCompile(`(?m)^organisation (\w+) \(`).FindAllStringSubmatch(out, -1)
	require.Len(t, tables, 3, out)
	for i, name := range []string{"alpha", "beta", "gamma"} {
		require.Equal(t, name, tables[i][1])
	}
	parts := strings.Split(out, "\norganisation ")
	require.Regexp(t, `PAT accepted\s+pass\s+authenticates as reviewer@alpha.example`, parts[0])
	require.Regexp(t, `PAT accepted\s+pass\s+authenticates as reviewer@beta.example`, parts[1])
	require.Regexp(t, `PAT accepted\s+FAIL`, parts[2], "gamma's PAT is revoked")
	require.NotContains(t, out, alpha.pat)

	out, err = run("--org", "beta", "--project", "Web", "--repository", "site")
	require.NoError(t, err, out)
	require.Equal(t, 1, strings.Count(out, "organisation "), out)
	require.Contains(t, out, "organisation beta (")
	require.Regexp(t, `Repository readable\s+pass`, out)

	_, err = run("--project", "Web", "--repository", "site")
	require.ErrorIs(t, err, app.ErrUsage)
	require.ErrorContains(t, err, "name it with --org")
	_, err = run("--org", "delta")
	require.ErrorIs(t, err, app.ErrUsage)
	require.ErrorContains(t, err, `--org "delta" is none of the organisations configured (alpha, beta, gamma)`)
	require.NoError(t, os.Remove(path))
	_, err = run()
	require.ErrorIs(t, err, app.ErrUsage)
}

// The organisations file takes the place of AZDO_ORG_URL and its PAT: the
// two together are a usage error, and a broken file is refused at start
// with each mistake's line.
func TestOrganisationsSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "orgs.yaml")
	require.NoError(t, os.WriteFile(good, []byte("organizations:\n  - url: https://dev.azure.com/a\n    credential: {pat: a}\n"), 0o600))
	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("organizations:\n  - url: https://dev.azure.com/a\n    credential: {pat: a, managed_identity: {}}\n"), 0o600))
	sp := filepath.Join(dir, "sp.yaml")
	require.NoError(t, os.WriteFile(sp, []byte("organizations:\n  - url: https://dev.azure.com/a\n    credential: {service_principal: {tenant_id: contoso.onmicrosoft.com, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, client_secret_file: "+filepath.Join(dir, "no-secret")+"}}\n"), 0o600))
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"file and URL", []string{"--azdo-orgs-file", good, "--azdo-org-url", "https://dev.azure.com/a"}, "set AZDO_ORGS_FILE or AZDO_ORG_URL, not both"},
		{"file and PAT", []string{"--azdo-orgs-file", good, "--azdo-pat", "p"}, "with AZDO_ORGS_FILE each organisation names its credential"},
		{"broken file", []string{"--azdo-orgs-file", broken}, broken + " line 3, column 17: organizations[0].credential: sets pat and managed_identity: set exactly one"},
		{"missing file", []string{"--azdo-orgs-file", filepath.Join(dir, "none.yaml")}, "read the organisations file"},
		{"a secret file that cannot be read", []string{"--azdo-orgs-file", sp}, "organisation a: credential.service_principal.client_secret_file: the file it names does not exist"},
		{"neither", nil, "no Azure DevOps PAT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, wc, err := apptest.WorkerFlags(tc.args...)
			require.NoError(t, err)
			_, err = app.NewWorkerSetup(context.Background(), c, wc, app.WorkerDeps{})
			require.ErrorIs(t, err, app.ErrUsage)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
	for _, tc := range []struct {
		name    string
		ing     app.Ingest
		wantErr string
	}{
		{"file and URL", app.Ingest{Token: "t", OrgsFile: good, OrgURL: "https://dev.azure.com/a"}, "not both"},
		{"broken file", app.Ingest{Token: "t", OrgsFile: broken}, "line 3, column 17"},
		{"URL", app.Ingest{Token: "t", OrgURL: "dev.azure.com/a"}, "AZDO_ORG_URL: is not an absolute http(s) URL"},
	} {
		t.Run("ingest "+tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.ing.Validate()
			require.ErrorIs(t, err, app.ErrUsage)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
	ing := app.Ingest{Token: "t", OrgsFile: good}
	require.NoError(t, ing.Validate())
}
