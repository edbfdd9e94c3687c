package orgs_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/orgs"
)

// secretMarks are in every token, secret and secret file's content of
// testdata/check (and in nothing else there): none may be printed.
var secretMarks = []string{"fake-", "header.payload", "BEGIN", "MII"}

// problemLines are the problems of err, each as config check prints them
// after the file name: LINE:COLUMN: FIELD: MESSAGE.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var pe *orgs.Error
	require.ErrorAs(t, err, &pe)
	lines := make([]string, len(pe.Problems))
	for i, p := range pe.Problems {
		lines[i] = fmt.Sprintf("%d:%d: %s: %s", p.Line, p.Column, p.Field, p.Message)
	}
	return lines
}

// TestCheck runs Check on a good file and on one file per kind of
// mistake, and compares every problem, located.
func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		opts orgs.CheckOptions
		want []string // every problem; none: valid
	}{
		{file: "valid.yaml"},
		{file: "duplicate-organisation.yaml", want: []string{
			`4:10: organizations[1].url: https://dev.azure.com/fabrikam is already listed as organizations[0] (line 2); list each organisation once`,
			`7:11: organizations[2].name: the name "FABRIKAM" is already that of organizations[0] (line 2); give each organisation a name of its own (name: …)`,
		}},
		{file: "duplicate-project.yaml", want: []string{
			`6:7: organizations[0].projects.web platform: project "web platform" is already listed on line 5 (names compare in any case)`,
		}},
		{file: "unknown-keys.yaml", want: []string{
			`2:5: organizations[0]: credential is missing; every organisation needs one: pat, pat_file, service_principal, managed_identity or workload_identity`,
			`3:5: organizations[0]: unknown key, not shown as it may be a secret written in the wrong place (did you mean "credential"?); the keys allowed here are url, name, credential, defaults, projects, azure_budget`,
			`5:18: organizations[1].credential: unknown key, not shown as it may be a secret written in the wrong place (did you mean "pat_file"?); the keys allowed here are pat, pat_file, service_principal, managed_identity, workload_identity`,
			`6:16: organizations[1].defaults: unknown key, not shown as it may be a secret written in the wrong place; the keys allowed here are version, reviewers, rules, severity_threshold, ignore, limits, custom_rules, secrets, llm`,
			`8:18: organizations[2].credential: unknown key, not shown as it may be a secret written in the wrong place; the keys allowed here are pat, pat_file, service_principal, managed_identity, workload_identity`,
			`11:114: organizations[3].credential.service_principal: unknown key, not shown as it may be a secret written in the wrong place; the keys allowed here are tenant_id, client_id, client_secret, client_secret_file, certificate_file`,
		}},
		{file: "out-of-range.yaml", want: []string{
			`3:19: organizations[0].azure_budget: 0 is out of range; expected 1 to 1000000 units per 5 minutes (leave azure_budget out for AZDO_BUDGET's)`,
			`6:19: organizations[1].azure_budget: 2000000 is out of range; expected 1 to 1000000 units per 5 minutes (leave azure_budget out for AZDO_BUDGET's)`,
			`9:27: organizations[1].defaults.limits.max_files: -1 is negative; expected 0 (no limit) or more`,
			`10:27: organizations[1].defaults.llm.max_requests: expected a whole number (0 or more), got a string`,
		}},
		{file: "credential-malformed.yaml", want: []string{
			`3:17: organizations[0].credential: sets pat and pat_file: set exactly one`,
			`7:9: organizations[1].credential.service_principal: has no client_secret_file, certificate_file or client_secret: set one`,
			`7:20: organizations[1].credential.service_principal.tenant_id: is not a tenant ID (a GUID) or a domain name`,
			`8:20: organizations[1].credential.service_principal.client_id: is not a GUID (the application (client) ID from the app registration's overview)`,
			`11:38: organizations[2].credential.workload_identity.client_id: is not a GUID (the application (client) ID from the app registration's overview)`,
			`13:17: organizations[3].credential: is empty: set one of pat_file, pat, service_principal, managed_identity or workload_identity`,
		}},
		{file: "credential-files.yaml", want: []string{
			`3:28: organizations[0].credential.pat_file: the file it names does not exist`,
			`9:29: organizations[1].credential.service_principal.client_secret_file: the file it names is empty`,
			`15:27: organizations[2].credential.service_principal.certificate_file: the file it names is not a certificate with its private key (PEM, or PKCS#12 without a password)`,
			`21:21: organizations[3].credential.workload_identity.token_file: the file it names is a directory, not a file`,
			`23:28: organizations[4].credential.pat_file: the file it names cannot be read: not a directory`,
		}},
		{file: "credential-files.yaml", opts: orgs.CheckOptions{SkipFiles: true}},
		{file: "syntax.yaml", want: []string{
			`3:17: : YAML syntax error: could not find flow mapping end token '}'`,
		}},
		{file: "empty.yaml", want: []string{
			`0:0: : the file is empty; it must list organizations`,
		}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %+v", tt.file, tt.opts), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("testdata", "check", tt.file)
			list, err := orgs.CheckFile(path, tt.opts)
			require.Equal(t, tt.want, problemLines(t, err))
			if len(tt.want) > 0 {
				require.Nil(t, list)
				require.True(t, strings.HasPrefix(err.Error(), path+" "), err.Error())
			} else {
				require.NotEmpty(t, list)
			}
			// Nothing Check returns holds a token, a secret or a file's
			// content.
			text := fmt.Sprint(err)
			for _, o := range list {
				text += fmt.Sprintf("\n%s %s %s %v %+v", o.Name, o.URL, o.Credential.Describe(), o.Credential, o)
			}
			for _, mark := range secretMarks {
				require.NotContains(t, text, mark)
			}
		})
	}
}

// TestCheckValidFile: the good file's organisations, each credential
// described.
func TestCheckValidFile(t *testing.T) {
	t.Parallel()
	list, err := orgs.CheckFile(filepath.Join("testdata", "check", "valid.yaml"), orgs.CheckOptions{})
	require.NoError(t, err)
	var got []string
	for _, o := range list {
		got = append(got, o.Name+" "+o.URL+" "+o.Credential.Describe())
	}
	require.Equal(t, []string{
		"fabrikam https://dev.azure.com/fabrikam pat_file",
		"Contoso Ltd https://dev.azure.com/contoso service_principal, client 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, client_secret_file",
		"northwind https://dev.azure.com/northwind service_principal, client 6a3f5c1e-8d2b-4b8e-9f4a-2c1d0e9b8a71, certificate_file",
		"tailspin https://dev.azure.com/tailspin managed_identity, system-assigned",
		"wingtip https://dev.azure.com/wingtip workload_identity, client 0b3f7a51-2c7e-4c1f-9d0a-5b6f3e9b1c22, token_file",
		"defaultcollection https://tfs.example.com/tfs/defaultcollection workload_identity, client from AZURE_CLIENT_ID, tenant from AZURE_TENANT_ID, token_file from AZURE_FEDERATED_TOKEN_FILE",
		"adventure-works https://dev.azure.com/adventure-works pat, written in the file",
	}, got)
	require.Equal(t, orgs.BudgetOff, list[2].AzureBudget)
}

// TestCheckAndParseAgree: Check finds what Parse finds (the processes'
// view, here without an environment), but for a workload identity's
// fields left to the environment, which Check does not count.
func TestCheckAndParseAgree(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "check", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		_, parseErr := orgs.Parse(data, nil)
		_, checkErr := orgs.Check(data, orgs.CheckOptions{SkipFiles: true})
		parsed, checked := problemLines(t, parseErr), problemLines(t, checkErr)
		var fromEnv []string
		for _, p := range parsed {
			if strings.Contains(p, "workload_identity") && strings.Contains(p, "is not set)") {
				fromEnv = append(fromEnv, p)
			}
		}
		require.Subset(t, parsed, checked, file)
		require.Len(t, checked, len(parsed)-len(fromEnv), "%s: %q", file, parsed)
	}
}

// TestCredentialProblemsEachAtTheirKey: a credential with several mistakes
// gives one problem for each, at its own key's line and column, so that
// each is one FILE:LINE:COLUMN line.
func TestCredentialProblemsEachAtTheirKey(t *testing.T) {
	t.Parallel()
	_, err := orgs.Parse([]byte(`organizations:
  - url: https://dev.azure.com/contoso
    credential:
      service_principal:
        tenant_id: "contoso tenant"
        client_id: app
        client_secret: x
        certificate_file: /c.pem
`), nil)
	lines := problemLines(t, err)
	require.Equal(t, []string{
		`5:9: organizations[0].credential.service_principal: sets more than one of client_secret, client_secret_file and certificate_file: set one`,
		`5:20: organizations[0].credential.service_principal.tenant_id: is not a tenant ID (a GUID) or a domain name`,
		`6:20: organizations[0].credential.service_principal.client_id: is not a GUID (the application (client) ID from the app registration's overview)`,
	}, lines)
	for _, l := range lines {
		require.NotContains(t, l, "\n")
	}
	var pe *orgs.Error
	require.True(t, errors.As(err, &pe))
}
