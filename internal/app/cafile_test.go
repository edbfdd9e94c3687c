package app_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestAzureDevOpsCAFile: an Azure DevOps (Server) behind HTTPS with a
// private certificate authority is reached with AZDO_CA_FILE, and refused
// without it; a file without a certificate is a usage error.
func TestAzureDevOpsCAFile(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	srv := httptest.NewTLSServer(sim.Server.Handler()) // 127.0.0.1, its own CA
	t.Cleanup(srv.Close)
	orgURL := strings.Replace(sim.Org.URL(), sim.Server.URL(), srv.URL, 1)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600))
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello\n"), 0o600))

	doctor := func(extra ...string) (string, error) {
		var out, errOut bytes.Buffer
		args := append([]string{"--azdo-org-url", orgURL, "--azdo-pat", sim.PAT, "--project", sim.Project.Name(), "--repository", sim.Repo.Name(), "--azdo-max-retries", "-1"}, extra...)
		err := app.DoctorMain(context.Background(), args, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	accepted := regexp.MustCompile(`PAT accepted\s+pass`)
	out, _ := doctor("--azdo-ca-file", ca)
	require.Regexp(t, accepted, out)
	out, _ = doctor()
	require.NotRegexp(t, accepted, out)
	require.Contains(t, out, "certificate")
	_, err := doctor("--azdo-ca-file", notPEM)
	require.ErrorIs(t, err, app.ErrUsage)
	require.ErrorContains(t, err, "holds no PEM certificate")
}
