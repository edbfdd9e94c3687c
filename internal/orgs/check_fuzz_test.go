package orgs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/orgs"
)

// checkFileKinds are the credentials FuzzCheckFiles writes, each naming
// the file %s.
var checkFileKinds = []string{
	"{pat_file: %s}",
	"{service_principal: {tenant_id: contoso.onmicrosoft.com, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, client_secret_file: %s}}",
	"{service_principal: {tenant_id: contoso.onmicrosoft.com, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, certificate_file: %s}}",
	"{workload_identity: {tenant_id: contoso.onmicrosoft.com, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, token_file: %s}}",
}

// FuzzCheckFiles writes any content to the file a credential names and
// checks that Check never panics, never prints the content, locates its
// problem, and accepts a file only when the processes can build the
// credential from it (credential.New, which makes no network call).
func FuzzCheckFiles(f *testing.F) {
	for _, name := range []string{"fabrikam-pat", "contoso-secret", "northwind.pem", "azure-identity-token", "empty", "not-a-certificate.pem"} {
		data, err := os.ReadFile(filepath.Join("testdata", "check", "secrets", name))
		require.NoError(f, err)
		for kind := range checkFileKinds {
			f.Add(uint8(kind), data)
		}
	}
	f.Add(uint8(0), []byte("tok en\n"))
	f.Add(uint8(0), []byte("\x00\xff"))
	f.Fuzz(func(t *testing.T, kind uint8, content []byte) {
		path := filepath.Join(t.TempDir(), "secret")
		require.NoError(t, os.WriteFile(path, content, 0o600))
		yaml := "organizations:\n  - url: https://dev.azure.com/fabrikam\n    credential: " +
			fmt.Sprintf(checkFileKinds[int(kind)%len(checkFileKinds)], path) + "\n"
		list, err := orgs.Check([]byte(yaml), orgs.CheckOptions{})
		text := fmt.Sprint(err)
		if err == nil {
			require.Len(t, list, 1)
			text = list[0].Credential.Describe()
			_, newErr := list[0].NewCredential(context.Background(), orgs.CredentialOptions{})
			require.NoError(t, newErr, "Check accepted a file the processes refuse")
		} else {
			lines := problemLines(t, err)
			require.Len(t, lines, 1, text)
			require.True(t, strings.HasPrefix(lines[0], "3:"), lines[0])
		}
		if v := bytes.TrimSpace(content); len(v) >= 8 && !strings.Contains(yaml, string(v)) {
			require.NotContains(t, text, string(v))
		}
	})
}

// fuzzPlaces are where FuzzCheckNeverEchoesACredential writes its value
// (%s) in a file: as the credential, the URL, an organisation's keys, the
// file's keys, defaults, a project's defaults and azure_budget.
var fuzzPlaces = []string{
	"organizations:\n  - url: https://dev.azure.com/fabrikam\n    credential: %s\n",
	"organizations:\n  - url: %s\n    credential: {pat: x}\n",
	"organizations:\n  - {url: https://dev.azure.com/fabrikam, credential: {pat: x}, %s}\n",
	"%s\norganizations:\n  - url: https://dev.azure.com/fabrikam\n    credential: {pat: x}\n",
	"organizations:\n  - url: https://dev.azure.com/fabrikam\n    credential: {pat: x}\n    defaults: %s\n",
	"organizations:\n  - url: https://dev.azure.com/fabrikam\n    credential: {pat: x}\n    projects: {web: {defaults: %s}}\n",
	"organizations:\n  - url: https://dev.azure.com/fabrikam\n    credential: {pat: x}\n    azure_budget: %s\n",
}

// FuzzCheckNeverEchoesACredential writes any one-line value, with every
// "SECRET" in it a token, in any place of the file (fuzzPlaces), and
// checks that no problem and no description holds the token — with the
// files read or not: a token pasted under a key that names a file is the
// likeliest mistake.
func FuzzCheckNeverEchoesACredential(f *testing.F) {
	for _, s := range []string{
		"{pat: SECRET}",
		"{pat: SECRET, pat_file: SECRET}",
		"{pat_file: SECRET}",
		"{SECRET}",
		"{SECRET: SECRET}",
		"{pat: [SECRET]}",
		"{pat: {SECRET: 1}}",
		"{pat: \"SECRET",
		"SECRET",
		"{service_principal: {tenant_id: SECRET, client_id: SECRET, client_secret: SECRET}}",
		"{service_principal: {tenant_id: t, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, SECRET: x}}",
		"{service_principal: {tenant_id: t, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, client_secret_file: SECRET}}",
		"{service_principal: {tenant_id: t, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, certificate_file: SECRET}}",
		"{managed_identity: {client_id: SECRET}}",
		"{workload_identity: {tenant_id: SECRET, token_file: SECRET}}",
		"{workload_identity: {tenant_id: t, client_id: 8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11, token_file: SECRET}}",
		"{pat: SECRET, token: SECRET}",
		"https://x:SECRET@dev.azure.com/fabrikam",
		"https://dev.azure.com/fabrikam?pat=SECRET",
		"https://dev.azure.com/fabrikam#SECRET",
		"ftp://SECRET@dev.azure.com/fabrikam",
		"SECRET: 1",
		"{llm: SECRET}",
		"{llm: {max_requests: SECRET}}",
		"{severity_threshold: SECRET}",
		"{reviewers: {SECRET: true}}",
		"{rules: {disable: [SECRET], severity: {SECRET: error}}}",
		"{ignore: [\"[SECRET\"]}",
		"{custom_rules: [{id: SECRET, pattern: \"(SECRET\", message: m}]}",
		"{secrets: {allow: {values: [\"(SECRET\"], stopwords: [\" SECRET\"]}}}",
		"{version: SECRET}",
	} {
		for place := range fuzzPlaces {
			f.Add(uint8(place), s)
		}
	}
	const token = "s3cretvalue"
	f.Fuzz(func(t *testing.T, place uint8, shape string) {
		if strings.ContainsAny(shape, "\r\n&*!") {
			t.Skip("one line, no anchors, aliases or tags: their names are not secrets")
		}
		if strings.Contains(strings.ToLower(shape), "s3cret") || strings.Contains(shape, "name") || strings.Contains(shape, "projects") {
			t.Skip("the token only where SECRET is; organisations' and projects' names are shown, as they name things")
		}
		value := strings.ReplaceAll(shape, "SECRET", token)
		data := fmt.Sprintf(fuzzPlaces[int(place)%len(fuzzPlaces)], value)
		for _, opts := range []orgs.CheckOptions{{SkipFiles: true}, {}} {
			list, err := orgs.Check([]byte(data), opts)
			require.NotContains(t, fmt.Sprint(err), "s3cret", "%+v", opts)
			for _, o := range list {
				require.NotContains(t, o.Credential.Describe(), "s3cret", "%+v", opts)
				require.NotContains(t, fmt.Sprintf("%v %+v", o.Credential, o.Credential), "s3cret", "%+v", opts)
			}
		}
		_, err := orgs.Parse([]byte(data), nil)
		require.NotContains(t, fmt.Sprint(err), "s3cret")
	})
}
