package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
)

// configMains are the commands that have "config check": the all-in-one
// and the worker.
var configMains = []struct {
	name string
	main func(ctx context.Context, args []string, stdout, stderr *bytes.Buffer) error
}{
	{"azreviewer", func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return allinone.Main(ctx, a, o, e) }},
	{"worker", func(ctx context.Context, a []string, o, e *bytes.Buffer) error { return app.WorkerMain(ctx, a, o, e) }},
}

// TestConfigCheckOrgs runs "azreviewer config check --orgs" and "worker
// config check --orgs" on organisations files and wrong arguments, and
// checks all they print and their exit status.
func TestConfigCheckOrgs(t *testing.T) {
	t.Parallel()
	valid := filepath.Join("testdata", "config", "orgs-valid.yaml")
	invalid := filepath.Join("testdata", "config", "orgs-invalid.yaml")
	validOut := valid + `: valid, 3 organisations
  fabrikam           https://dev.azure.com/fabrikam                 pat_file
  Northwind Traders  https://dev.azure.com/northwind                service_principal, client 6a3f5c1e-8d2b-4b8e-9f4a-2c1d0e9b8a71, certificate_file
  defaultcollection  https://tfs.example.com/tfs/defaultcollection  workload_identity, client from AZURE_CLIENT_ID, tenant from AZURE_TENANT_ID, token_file from AZURE_FEDERATED_TOKEN_FILE
`
	fileProblems := invalid + `:3:28: organizations[0].credential.pat_file: the file it names does not exist
`
	certProblem := invalid + `:12:27: organizations[2].credential.service_principal.certificate_file: the file it names is not a certificate with its private key (PEM, or PKCS#12 without a password)
`
	budget := invalid + `:4:19: organizations[0].azure_budget: 0 is out of range; expected 1 to 1000000 units per 5 minutes (leave azure_budget out for AZDO_BUDGET's)
` + invalid + `:5:10: organizations[1].url: https://dev.azure.com/fabrikam is already listed as organizations[0] (line 2); list each organisation once
`
	rest := invalid + `:15:7: organizations[2].projects.WEB: project "WEB" is already listed on line 14 (names compare in any case)
` + invalid + `:16:5: organizations[2]: unknown key, not shown as it may be a secret written in the wrong place (did you mean "defaults"?); the keys allowed here are url, name, credential, defaults, projects, azure_budget
`
	tests := []struct {
		name   string
		args   []string
		status int
		out    string // all of stdout
		errOut string // contained in the error
	}{
		{"a valid file", []string{"--orgs", valid}, 0, validOut, ""},
		{"a valid file, its files not read", []string{"--orgs", valid, "--skip-files"}, 0,
			validOut + "the files the credentials name were not read (--skip-files)\n", ""},
		{"the flag as --orgs=FILE", []string{"--orgs=" + valid}, 0, validOut, ""},
		{"an invalid file", []string{"--orgs", invalid}, 1, fileProblems + budget + certProblem + rest, ""},
		{"an invalid file, its files not read", []string{"--skip-files", "--orgs", invalid}, 1, budget + rest, ""},
		{"no such file", []string{"--orgs", filepath.Join("testdata", "config", "none.yaml")}, 2, "", "read the organisations file: open testdata/config/none.yaml: no such file"},
		{"no file named", []string{"--orgs="}, 2, "", "--orgs needs the organisations file to check"},
		{"two files", []string{"--orgs", valid, invalid}, 2, "", `config check --orgs checks the one file it names, got also "` + invalid + `"`},
		{"--skip-files alone", []string{"--skip-files"}, 2, "", "--skip-files goes with --orgs"},
		{"--orgs without its file", []string{"--orgs"}, 2, "", "flag needs an argument: -orgs"},
	}
	for _, m := range configMains {
		for _, tt := range tests {
			t.Run(m.name+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				var out, errOut bytes.Buffer
				err := m.main(context.Background(), append([]string{"config", "check"}, tt.args...), &out, &errOut)
				require.Equal(t, tt.status, app.Exit(err, &errOut), "stderr: %s", errOut.String())
				require.Equal(t, tt.out, out.String())
				if tt.errOut != "" {
					require.ErrorContains(t, err, tt.errOut)
				}
				for _, secret := range []string{"fake-pat", "BEGIN", "MII"} {
					require.NotContains(t, out.String()+errOut.String(), secret)
				}
			})
		}
	}
}

// TestConfigCheckOrgsNeverPrintsASecret: a PAT or client secret written in
// the organisations file — where it belongs, or anywhere else: under a key
// that names a file, in a URL, as a key or value the file does not know —
// and the content of every file a credential names, never appear in what
// config check --orgs prints, whether the file is valid or not and whether
// its files are read or not.
func TestConfigCheckOrgsNeverPrintsASecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := func() string {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		return "pat" + hex.EncodeToString(b)
	}
	inline, inlineSecret, inFile, inFileTwoLines := secret(), secret(), secret(), secret()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	patFile := write("pat", inFile+"\n")
	twoLines := write("two-lines", inFileTwoLines+"\n"+inFileTwoLines+"\n")
	const head = "organizations:\n"
	const sp = "  - url: https://dev.azure.com/northwind\n    credential:\n      service_principal: {tenant_id: northwind.onmicrosoft.com, client_id: 6a3f5c1e-8d2b-4b8e-9f4a-2c1d0e9b8a71, "
	pasted := secret() // a token or secret pasted where it does not belong
	const org = "  - url: https://dev.azure.com/fabrikam\n"
	const pat = "    credential: {pat: x}\n"
	tests := []struct {
		name    string
		content string
		// status is config check's exit status reading the files, and
		// with --skip-files.
		status, skipStatus int
	}{
		{"valid", head +
			"  - url: https://dev.azure.com/fabrikam\n    credential: {pat: " + inline + "}\n" +
			"  - url: https://dev.azure.com/contoso\n    credential: {pat_file: " + patFile + "}\n" +
			sp + "client_secret: " + inlineSecret + "}\n", 0, 0},
		{"invalid", head +
			"  - url: https://dev.azure.com/fabrikam\n    credential: {pat: " + inline + ", pat_file: " + patFile + "}\n" +
			"  - url: https://dev.azure.com/contoso\n    credential: {pat_file: " + twoLines + "}\n" +
			sp + "certificate_file: " + patFile + "}\n" +
			"  - url: https://dev.azure.com/tailspin\n    credential: {pat: [" + inline + "]}\n" +
			"  - url: https://dev.azure.com/wingtip\n    credential: {" + inline + ": " + inlineSecret + "}\n" +
			"  - url: https://dev.azure.com/adventure-works\n    credential: {pat: " + inline + ", token: " + inlineSecret + "}\n", 1, 1},
		{"syntax error", head + "  - url: https://dev.azure.com/fabrikam\n    credential: {pat: \"" + inline + "\n", 1, 1},
		// The likeliest mistake: the secret itself under the key that
		// names its file. With --skip-files the file is valid, and its
		// description is printed.
		{"a PAT under pat_file", head + org + "    credential: {pat_file: " + pasted + "}\n", 1, 0},
		{"a secret under client_secret_file", head + sp + "client_secret_file: " + pasted + "}\n", 1, 0},
		{"a secret under certificate_file", head + sp + "certificate_file: " + pasted + "}\n", 1, 0},
		{"a token under token_file", head + org +
			"    credential: {workload_identity: {tenant_id: contoso.onmicrosoft.com, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, token_file: " + pasted + "}}\n", 1, 0},
		{"a URL with a user and password", head + "  - url: https://x:" + pasted + "@dev.azure.com/fabrikam\n" + pat, 1, 1},
		{"a URL with a query", head + "  - url: https://dev.azure.com/fabrikam?pat=" + pasted + "\n" + pat, 1, 1},
		{"an anchor of a secret as the URL", "a: &x " + pasted + "\n" + head + "  - url: *x\n" + pat, 1, 1},
		{"a secret as a key of the file", pasted + ": 1\n" + head + org + pat, 1, 1},
		{"a secret as a key of an organisation", head + org + "    " + pasted + ": 1\n" + pat, 1, 1},
		{"a secret as a key of defaults", head + org + pat + "    defaults: {" + pasted + ": 1}\n", 1, 1},
		{"a secret as defaults.llm", head + org + pat + "    defaults: {llm: " + pasted + "}\n", 1, 1},
		{"a secret as azure_budget", head + org + pat + "    azure_budget: " + pasted + "\n", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := write(strings.ReplaceAll(tt.name, " ", "-")+".yaml", tt.content)
			for _, extra := range [][]string{nil, {"--skip-files"}} {
				for _, m := range configMains {
					var out, errOut bytes.Buffer
					err := m.main(context.Background(), append([]string{"config", "check", "--orgs", path}, extra...), &out, &errOut)
					status := app.Exit(err, &errOut)
					printed := out.String() + errOut.String()
					for _, s := range []string{inline, inlineSecret, inFile, inFileTwoLines, pasted} {
						require.NotContains(t, printed, s, "%s %s %v", m.name, tt.name, extra)
						require.NotContains(t, printed, s[3:], "%s %s %v", m.name, tt.name, extra)
					}
					if extra == nil {
						require.Equal(t, tt.status, status, printed)
					} else {
						require.Equal(t, tt.skipStatus, status, printed)
					}
					require.Contains(t, printed, path, "the check ran and printed")
				}
			}
		})
	}
}

// TestConfigCheckReadsNoEnvironment: with AZDO_ORGS_FILE set, "config
// check" without --orgs still checks the repository's .azreviewer.yaml,
// as it always has: the file to check as an organisations file is always
// named. Not parallel: it sets the environment and changes directory.
func TestConfigCheckReadsNoEnvironment(t *testing.T) {
	orgsFile, err := filepath.Abs(filepath.Join("testdata", "config", "orgs-invalid.yaml"))
	require.NoError(t, err)
	t.Setenv("AZDO_ORGS_FILE", orgsFile)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".azreviewer.yaml"), []byte("severity_threshold: warning\n"), 0o600))
	t.Chdir(dir)
	for _, m := range configMains {
		var out, errOut bytes.Buffer
		err := m.main(context.Background(), []string{"config", "check"}, &out, &errOut)
		require.Equal(t, 0, app.Exit(err, &errOut), errOut.String())
		require.Equal(t, ".azreviewer.yaml: valid\n", out.String(), m.name)
	}
}
