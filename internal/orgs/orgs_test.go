package orgs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/orgs"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

func TestLoadValidFile(t *testing.T) {
	t.Parallel()
	list, err := orgs.Load(filepath.Join("testdata", "valid.yaml"), nil)
	require.NoError(t, err)
	require.Len(t, list, 3)

	require.Equal(t, "https://dev.azure.com/fabrikam", list[0].URL, "visualstudio.com is written as dev.azure.com")
	require.Equal(t, "fabrikam", list[0].Name)
	require.Equal(t, credential.KindPAT, list[0].Credential.Kind())
	require.Equal(t, 3, list[0].Line)

	c := list[1]
	require.Equal(t, "https://dev.azure.com/contoso", c.URL)
	require.Equal(t, "Contoso Ltd", c.Name)
	require.Equal(t, 6000, c.AzureBudget)
	require.Zero(t, list[0].AzureBudget, "no azure_budget: the processes' default")
	require.Equal(t, credential.KindPAT, c.Credential.Kind())
	require.Equal(t, reviewer.SeverityWarning, c.Defaults.SeverityThreshold)
	require.Equal(t, []string{"generated/**"}, c.Defaults.Ignore)
	require.Equal(t, "German", c.Defaults.LLM.Language)
	require.Equal(t, []string{"vendor/**"}, c.ProjectDefaults("web platform").Ignore, "project names compare in any case")
	require.Contains(t, c.Projects, "tools")
	require.Equal(t, repoconfig.Config{}, c.ProjectDefaults("Elsewhere"))

	require.Equal(t, "https://tfs.example.com/tfs/defaultcollection", list[2].URL)
	require.Equal(t, "defaultcollection", list[2].Name)
	require.Equal(t, credential.KindServicePrincipal, list[2].Credential.Kind())

	for _, q := range []string{"contoso ltd", "https://contoso.visualstudio.com", "HTTPS://dev.azure.com/contoso/"} {
		o, ok := orgs.Find(list, q)
		require.True(t, ok, q)
		require.Equal(t, c.URL, o.URL)
	}
	_, ok := orgs.Find(list, "https://dev.azure.com/other")
	require.False(t, ok)
}

// Every problem of a broken file is reported, each with its line and
// column, in file order.
func TestParseReportsEveryProblemWithItsLine(t *testing.T) {
	t.Parallel()
	_, err := orgs.Load(filepath.Join("testdata", "broken.yaml"), nil)
	var pe *orgs.Error
	require.ErrorAs(t, err, &pe)
	want := []struct {
		line  int
		field string
		text  string
	}{
		{3, "organizations[0].credential", "sets pat and pat_file: set exactly one"},
		{5, "organizations[0].defaults.severity_threshold", `the value (not shown) is not one of info, warning, error`},
		{6, "organizations[1]", "credential is missing"},
		{6, "organizations[1].url", `is not an absolute http(s) URL`},
		{7, "organizations[1]", `unknown key, not shown as it may be a secret written in the wrong place (did you mean "credential"?)`},
		{8, "organizations[2].url", "https://dev.azure.com/fabrikam is already listed as organizations[0] (line 2)"},
		{9, "organizations[2].credential", `unknown key, not shown as it may be a secret written in the wrong place; the keys allowed here are pat, pat_file`},
		{10, "organizations[3]", "url is missing"},
		{13, "organizations[3].projects.Web.defaults.limits.max_files", "-1 is negative"},
		{14, "organizations[3].projects.web", `project "web" is already listed on line 13`},
	}
	require.Len(t, pe.Problems, len(want), pe.Error())
	for i, w := range want {
		p := pe.Problems[i]
		require.Equal(t, w.line, p.Line, "problem %d: %s", i, p.Detail())
		require.Positive(t, p.Column, "problem %d: %s", i, p.Detail())
		require.Equal(t, w.field, p.Field, "problem %d: %s", i, p.Detail())
		require.Contains(t, p.Message, w.text, "problem %d", i)
	}
	first := strings.Split(pe.Error(), "\n")[0]
	require.True(t, strings.HasPrefix(first, filepath.Join("testdata", "broken.yaml")+" line 3, column "), first)
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"empty file", "", "the file is empty"},
		{"no organisations", "organizations: []\n", "no organisation is listed"},
		{"unknown top-level key", "orgs: []\n", `unknown key, not shown as it may be a secret written in the wrong place; the keys allowed here are organizations`},
		{"syntax error", "organizations: [\n", "YAML syntax error"},
		{"a key of the file twice", "organizations:\n- url: https://dev.azure.com/a\n  url: https://dev.azure.com/b\n", `YAML syntax error: mapping key "url" already defined at [2:3]`},
		{"another key twice", "organizations:\n- url: https://dev.azure.com/a\n  credential: {pat: a}\n  projects: {Web: {}, Web: {}}\n", `YAML syntax error: mapping key "…" already defined at [4:14]`},
		{"not a list", "organizations: {url: x}\n", "expected a list of organisations"},
		{"no credential kind", "organizations:\n  - url: https://dev.azure.com/a\n    credential: {}\n", "credential: is empty"},
		{"credential not a mapping", "organizations:\n  - url: https://dev.azure.com/a\n    credential: secret\n", "expected a mapping with one of pat"},
		{"host only", "organizations:\n  - url: https://dev.azure.com/\n    credential: {pat: a}\n", "names no organisation"},
		{"query", "organizations:\n  - url: https://dev.azure.com/a?x=1\n    credential: {pat: a}\n", "has a query"},
		{"same derived name", readFixture(t, "names.yaml"), `the name "fabrikam" is already that of organizations[0]`},
		{"budget not a number", "organizations:\n  - url: https://dev.azure.com/a\n    azure_budget: lots\n    credential: {pat: a}\n", "expected a whole number of estimated TSTU units"},
		{"budget a fraction", "organizations:\n  - url: https://dev.azure.com/a\n    azure_budget: 1.5\n    credential: {pat: a}\n", "expected a whole number"},
		{"budget zero", "organizations:\n  - url: https://dev.azure.com/a\n    azure_budget: 0\n    credential: {pat: a}\n", "out of range"},
		{"budget too large", "organizations:\n  - url: https://dev.azure.com/a\n    azure_budget: 99999999999999999999\n    credential: {pat: a}\n", "azure_budget"},
		{"merged unknown key in a credential", "organizations:\n  - url: https://dev.azure.com/a\n    credential: {<<: {s3cret: a}}\n", "unknown key, not shown"},
		{"name not printable", "organizations:\n  - url: https://dev.azure.com/a\n    name: \"a\\u0007\"\n    credential: {pat: a}\n", "not printable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			list, err := orgs.Parse([]byte(tc.yaml), nil)
			require.Nil(t, list)
			var pe *orgs.Error
			require.ErrorAs(t, err, &pe)
			require.Contains(t, err.Error(), tc.want)
			var p repoconfig.Problem
			require.True(t, errors.As(err, &p))
		})
	}
}

func TestAnchorsAcrossOrganisations(t *testing.T) {
	t.Parallel()
	list, err := orgs.Parse([]byte(`organizations:
  - url: https://dev.azure.com/a
    credential: {pat: a}
    defaults: &common {severity_threshold: error}
  - url: https://dev.azure.com/b
    credential: {pat: b}
    defaults: *common
`), nil)

	require.NoError(t, err)
	require.Equal(t, reviewer.SeverityError, list[1].Defaults.SeverityThreshold)
}

func TestSingle(t *testing.T) {
	t.Parallel()
	list, err := orgs.Single("https://Fabrikam.visualstudio.com", orgs.CredentialSpec{PAT: "p"})
	require.NoError(t, err)
	require.Equal(t, []orgs.Organization{{Name: "fabrikam", URL: "https://dev.azure.com/fabrikam", Credential: orgs.CredentialSpec{PAT: "p"}}}, list)
	_, err = orgs.Single("dev.azure.com/fabrikam", orgs.CredentialSpec{PAT: "p"})
	require.ErrorContains(t, err, "not an absolute http(s) URL")
}

func TestNewCredential(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "pat")
	require.NoError(t, os.WriteFile(file, []byte("  from-file\n"), 0o600))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	sp := credential.ServicePrincipal{TenantID: "t"}
	for _, tc := range []struct {
		name     string
		spec     orgs.CredentialSpec
		same     string // a PAT whose credential has the same identity
		identity string // or the credential's identity (no token is asked for)
		wantErr  string
	}{
		{name: "pat", spec: orgs.CredentialSpec{PAT: "inline"}, same: "inline"},
		{name: "pat file", spec: orgs.CredentialSpec{PATFile: file}, same: "from-file"},
		{name: "empty pat file", spec: orgs.CredentialSpec{PATFile: empty}, wantErr: "is empty"},
		{name: "missing pat file", spec: orgs.CredentialSpec{PATFile: filepath.Join(dir, "none")}, wantErr: "credential.pat_file"},
		{name: "service principal without a client", spec: orgs.CredentialSpec{ServicePrincipal: &sp}, wantErr: "credential.service_principal.client_id is empty"},
		{name: "service principal", spec: orgs.CredentialSpec{ServicePrincipal: &credential.ServicePrincipal{
			TenantID: "contoso.onmicrosoft.com", ClientID: "8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11", ClientSecret: "s"}}, identity: "service_principal:8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11"},
		{name: "two kinds", spec: orgs.CredentialSpec{PAT: "a", ServicePrincipal: &sp}, wantErr: "set exactly one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := orgs.Organization{Name: "fabrikam", URL: "https://dev.azure.com/fabrikam", Credential: tc.spec}
			cred, err := o.NewCredential(context.Background(), orgs.CredentialOptions{})
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				require.ErrorContains(t, err, "organisation fabrikam")
				return
			}
			require.NoError(t, err)
			if tc.identity != "" {
				require.Equal(t, tc.identity, cred.Identity())
				return
			}
			got, err := cred.Authorization(context.Background())
			require.NoError(t, err)
			want, _ := orgsPAT(tc.same)
			require.Equal(t, want, got)
		})
	}
}

// A credential printed or logged shows its kind, not its token.
func TestCredentialSpecHidesTheToken(t *testing.T) {
	t.Parallel()
	s := orgs.CredentialSpec{PAT: "s3cret-token"}
	require.NotContains(t, s.String(), "s3cret")
	require.NotContains(t, s.LogValue().String(), "s3cret")
	require.NotContains(t, fmt.Sprintf("%v %s %+v", s, s, orgs.Organization{Credential: s}), "s3cret")
}

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// A mistake in a credential is reported without its value: the problems
// are logged when a reload fails.
func TestProblemsNeverEchoACredential(t *testing.T) {
	t.Parallel()
	for _, cred := range []string{
		"{pat: [s3cretvalue]}",
		"{pat: {s3cretvalue: 1}}",
		"{pat: s3cretvalue, pat_file: s3cretvalue}",
		"{pat: \"s3cretvalue\n",
		"{service_principal: s3cretvalue}",
		"{workload_identity: {token_file: s3cretvalue}, pat: s3cretvalue}",
		// A token or secret written where a key or an ID goes.
		"{s3cretvalue}",
		"{s3cretvalue: x}",
		"{service_principal: {s3cretvalue: 1, tenant_id: t, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, client_secret: x}}",
		"{service_principal: {tenant_id: s3cretvalue~x, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, client_secret: x}}",
		"{service_principal: {tenant_id: t, client_id: s3cretvalue, client_secret: x}}",
		"{managed_identity: {client_id: s3cretvalue}}",
		"{workload_identity: {client_id: s3cretvalue}}",
		// The YAML parser's syntax errors quote the file.
		">s3cretvalue",
		"{s3cretvalue: 1, s3cretvalue: 2}",
		"{pat: a}\n  s3cretvalue: 1\n  s3cretvalue: 2",
	} {
		_, err := orgs.Parse([]byte("organizations:\n- url: https://dev.azure.com/a\n  credential: "+cred+"\n"), nil)
		require.Error(t, err, cred)
		require.NotContains(t, err.Error(), "s3cret", cred)
	}
}

// TestAzureBudget: azure_budget is a number of units per 5 minutes, or off
// for no budget whatever AZDO_BUDGET says.
func TestAzureBudget(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		value string
		want  int
	}{
		{"6000", 6000},
		{"off", orgs.BudgetOff},
		{`"off"`, orgs.BudgetOff},
	} {
		path := filepath.Join(t.TempDir(), "orgs.yaml")
		require.NoError(t, os.WriteFile(path, []byte("organizations:\n  - url: https://dev.azure.com/a\n    azure_budget: "+tt.value+"\n    credential: {pat: a}\n"), 0o600))
		list, err := orgs.Load(path, nil)
		require.NoError(t, err, tt.value)
		require.Equal(t, tt.want, list[0].AzureBudget, tt.value)
	}
}

// TestNoProblemEchoesASecretAnywhere: a token or secret written anywhere
// in the file where it does not belong — under a key that names a file, in
// the organisation's URL, as a key or a value the file does not know, at
// any level — is never in a problem of Parse or Check, nor in what Check
// describes of a file it accepts (with --skip-files a pasted secret is a
// "path" it does not read). The problems still say where and what.
func TestNoProblemEchoesASecretAnywhere(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3tTOKENabcdefghijklmnopqrstuvwxyz0123456789"
	const url = "  - url: https://dev.azure.com/fabrikam\n"
	const sp = "    credential:\n      service_principal: {tenant_id: contoso.onmicrosoft.com, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, "
	tests := []struct {
		name, yaml string
		want       string // in the problem of Check reading the files, and of Parse unless files
		files      bool   // a file's problem: Parse and Check --skip-files accept the file
	}{
		{"a PAT under pat_file", url + "    credential:\n      pat_file: " + secret + "\n",
			"line 4, column 17: organizations[0].credential.pat_file: the file it names does not exist", true},
		{"a secret under client_secret_file", url + sp + "client_secret_file: " + secret + "}\n",
			"organizations[0].credential.service_principal.client_secret_file: the file it names does not exist", true},
		{"a secret under certificate_file", url + sp + "certificate_file: \"" + secret + "\"}\n",
			"organizations[0].credential.service_principal.certificate_file: the file it names does not exist", true},
		{"a token under token_file", url + "    credential: {workload_identity: {tenant_id: contoso.onmicrosoft.com, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, token_file: " + secret + "}}\n",
			"organizations[0].credential.workload_identity.token_file: the file it names does not exist", true},
		{"a URL with a user and password", "  - url: https://x:" + secret + "@dev.azure.com/fabrikam\n    credential: {pat: x}\n",
			"line 2, column 10: organizations[0].url: has a user name and password (not shown: it may hold a token); an organisation URL has no user name, query or fragment", false},
		{"a URL with a user alone", "  - url: https://" + secret + "@dev.azure.com/fabrikam\n    credential: {pat: x}\n",
			"organizations[0].url: has a user name (not shown: it may hold a token)", false},
		{"a URL with a query", "  - url: https://dev.azure.com/fabrikam?pat=" + secret + "\n    credential: {pat: x}\n",
			"organizations[0].url: has a query (not shown: it may hold a token)", false},
		{"a URL with a fragment", "  - url: https://dev.azure.com/fabrikam#" + secret + "\n    credential: {pat: x}\n",
			"organizations[0].url: has a fragment (not shown: it may hold a token)", false},
		{"a URL of another scheme with a password", "  - url: ftp://x:" + secret + "@dev.azure.com/fabrikam\n    credential: {pat: x}\n",
			"organizations[0].url: is not an absolute http(s) URL", false},
		{"a secret as the URL", "  - url: " + secret + "\n    credential: {pat: x}\n",
			"organizations[0].url: is not an absolute http(s) URL", false},
		{"an anchor of a secret as the URL", "  - url: *x\n    credential: {pat: x}\n",
			"organizations[0].url: is not an absolute http(s) URL", false},
		{"an alias named as a secret as the URL", "  - url: *" + secret + "\n    credential: {pat: x}\n",
			"organizations[0].url: an alias refers to no anchor defined before it (its name not shown)", false},
		{"an alias named as a secret as the PAT", url + "    credential:\n      pat: *" + secret + "\n",
			"organizations[0].credential", false},
		{"an alias named as a secret as a client secret", url + "    credential:\n      service_principal:\n        tenant_id: contoso.onmicrosoft.com\n        client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11\n        client_secret: *" + secret + "\n",
			"organizations[0].credential", false},
		{"a secret as a key of the file", "  - url: https://dev.azure.com/fabrikam\n    credential: {pat: x}\n" + secret + ": 1\n",
			"line 4, column 1: unknown key, not shown as it may be a secret written in the wrong place; the keys allowed here are organizations", false},
		{"a secret as a key of an organisation", url + "    " + secret + ": 1\n    credential: {pat: x}\n",
			"line 3, column 5: organizations[0]: unknown key, not shown", false},
		{"a secret as a key of defaults", url + "    credential: {pat: x}\n    defaults: {" + secret + ": 1}\n",
			"organizations[0].defaults: unknown key, not shown", false},
		{"a secret as a key of a project's defaults", url + "    credential: {pat: x}\n    projects: {web: {defaults: {" + secret + ": 1}}}\n",
			"organizations[0].projects.web.defaults: unknown key, not shown", false},
		{"a secret as a reviewer", url + "    credential: {pat: x}\n    defaults: {reviewers: {" + secret + ": true}}\n",
			"organizations[0].defaults.reviewers: unknown reviewer, not shown", false},
		{"a secret as defaults.llm", url + "    credential: {pat: x}\n    defaults: {llm: " + secret + "}\n",
			"organizations[0].defaults.llm: expected a mapping with instructions, language, context_lines, guidance and max_requests, got a string", false},
		{"a secret under defaults.llm", url + "    credential: {pat: x}\n    defaults: {llm: {max_requests: " + secret + "}}\n",
			"organizations[0].defaults.llm.max_requests: expected a whole number (0 or more), got a string", false},
		{"a secret as severity_threshold", url + "    credential: {pat: x}\n    defaults: {severity_threshold: " + secret + "}\n",
			"organizations[0].defaults.severity_threshold: the value (not shown) is not one of info, warning, error", false},
		{"a secret as a rule id", url + "    credential: {pat: x}\n    defaults: {rules: {disable: [" + secret + "]}}\n",
			"is not a rule id", false},
		{"a secret as azure_budget", url + "    credential: {pat: x}\n    azure_budget: " + secret + "\n",
			"organizations[0].azure_budget: expected a whole number of estimated TSTU units per 5 minutes (e.g. 6000) or off", false},
		{"a secret as the credential", url + "    credential: " + secret + "\n",
			"organizations[0].credential: expected a mapping", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := []byte("a: &x " + secret + "\norganizations:\n" + tt.yaml)
			if !strings.Contains(tt.yaml, "*x") {
				data = []byte("organizations:\n" + tt.yaml)
			}
			_, parseErr := orgs.Parse(data, nil)
			_, checkErr := orgs.Check(data, orgs.CheckOptions{})
			skipped, skipErr := orgs.Check(data, orgs.CheckOptions{SkipFiles: true})
			printed := fmt.Sprint(parseErr, checkErr, skipErr)
			for _, o := range skipped {
				printed += fmt.Sprintf("\n%s %s %s %v %+v", o.Name, o.URL, o.Credential.Describe(), o.Credential, o)
			}
			require.NotContains(t, printed, secret[:12])
			require.ErrorContains(t, checkErr, tt.want)
			if tt.files {
				require.NoError(t, parseErr)
				require.NoError(t, skipErr)
				require.Len(t, skipped, 1)
			} else {
				require.ErrorContains(t, parseErr, tt.want)
			}
		})
	}
}
