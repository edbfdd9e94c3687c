package credential_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/credential"
)

// TestEntraCredentialsCallAzureDevOps: each Entra kind gets a token from
// the simulator's Entra endpoint through azidentity and the client's calls
// carry it as a bearer token the simulator accepts for that identity.
func TestEntraCredentialsCallAzureDevOps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		spec      func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec
		wantGrant string
	}{
		{name: "service principal, secret file", wantGrant: "secret", spec: func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec {
			path, _ := e.SecretFile(t, p, time.Time{})
			return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}
		}},
		{name: "service principal, inline secret", wantGrant: "secret", spec: func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec {
			path, _ := e.SecretFile(t, p, time.Time{})
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecret: strings.TrimSpace(string(b))}}
		}},
		{name: "service principal, certificate", wantGrant: "certificate", spec: func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec {
			return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), CertificateFile: e.CertificateFile(t, p, true)}}
		}},
		{name: "workload identity", wantGrant: "federated", spec: func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec {
			path, _ := e.FederatedTokenFile(t, p, azdotest.FederatedSubject, true, time.Now().Add(time.Hour))
			return credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: e.TenantID, ClientID: p.ClientID(), TokenFile: path}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			e := azdotest.NewEntra(t, sim)
			p := e.ServicePrincipal("Review Bot", azdosim.AccessBasic)
			spec := tt.spec(t, e, p)
			cred, err := credential.New(t.Context(), spec, e.Options())
			require.NoError(t, err)
			h, err := cred.Authorization(t.Context())
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(h, "Bearer simentra."), "a bearer token: %.20s…", h)
			kind := spec.Kind()
			require.Equal(t, kind+":"+p.ClientID(), cred.Identity())

			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred})
			require.NoError(t, err)
			who, err := c.WhoAmI(t.Context())
			require.NoError(t, err)
			require.Equal(t, p.Identity().ID, who.ID)
			_, err = c.Repository(t.Context(), sim.Project.Name(), sim.Repo.Name())
			require.NoError(t, err)
			var grants []string
			for _, r := range e.Requests() {
				if r.Grant != "" {
					grants = append(grants, r.Grant)
				}
			}
			require.Equal(t, []string{tt.wantGrant}, grants, "one token for all calls")
		})
	}
}

// managedIdentityChild is set in the environment of the process that runs
// TestManagedIdentity's checks.
const managedIdentityChild = "AZREVIEWER_TEST_MANAGED_IDENTITY_PROCESS"

// TestManagedIdentity: azidentity's managed identity credential, pointed at
// the simulator as App Service points it (IDENTITY_ENDPOINT,
// IDENTITY_HEADER), for the system-assigned and a user-assigned identity.
// Not parallel: the endpoint is process environment. It runs in a process
// of its own, once per run: the managed identity client caches tokens for
// the whole process, so a second run in this one (-count) would be handed
// the first run's token, which the new simulator does not know.
func TestManagedIdentity(t *testing.T) {
	if os.Getenv(managedIdentityChild) == "" {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestManagedIdentity$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), managedIdentityChild+"=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "the managed identity test's process:\n%s", out)
		require.Contains(t, string(out), "--- PASS: TestManagedIdentity/user-assigned", "the test ran: %s", out)
		return
	}
	sim := azdotest.New(t)
	e := azdotest.NewEntra(t, sim)
	e.ManagedIdentityEnv(t)
	system := sim.Server.AddManagedIdentity("", azdosim.Identity{DisplayName: "vm-reviewer"})
	user := sim.Server.AddManagedIdentity("6a3f5c1e-8d2b-4b8e-9f4a-2c1d0e9b8a71", azdosim.Identity{DisplayName: "id-reviewer"})
	sim.Org.AddMember(system, azdosim.AccessBasic)
	sim.Org.AddMember(user, azdosim.AccessBasic)
	tests := []struct {
		name         string
		clientID     string
		want         *azdosim.Principal
		wantIdentity string
	}{
		{name: "system-assigned", want: system, wantIdentity: "managed_identity:system"},
		{name: "user-assigned", clientID: user.ClientID(), want: user, wantIdentity: "managed_identity:" + user.ClientID()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cred, err := credential.New(t.Context(), credential.Spec{ManagedIdentity: &credential.ManagedIdentity{ClientID: tt.clientID}}, e.Options())
			require.NoError(t, err)
			require.Equal(t, tt.wantIdentity, cred.Identity())
			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred})
			require.NoError(t, err)
			who, err := c.WhoAmI(t.Context())
			require.NoError(t, err)
			require.Equal(t, tt.want.Identity().ID, who.ID)
		})
	}
	// An identity not assigned to the resource.
	cred, err := credential.New(t.Context(), credential.Spec{ManagedIdentity: &credential.ManagedIdentity{ClientID: "00000000-1111-2222-3333-444444444444"}}, e.Options())
	require.NoError(t, err)
	_, err = cred.Authorization(t.Context())
	var ee *credential.EntraError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, azdo.KindEntraRefused, ee.FailureKind())
	require.Contains(t, ee.Diagnosis(), "managed identity")
}

// TestEntraFailures: every failure mode is typed where the client decides
// (an *EntraError with its code, meaning and fix, or a *FileError), the
// client's error is of its own kind with the code and the fix, nothing was
// sent to Azure DevOps, and no secret, token or assertion is in the error
// or on a span.
func TestEntraFailures(t *testing.T) {
	t.Parallel()
	for _, tt := range azdotest.EntraFailures() {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			sim, cred, secrets := tt.Start(t)
			_, err := cred.Authorization(t.Context())
			require.Error(t, err)
			if tt.Code != "" {
				var ee *credential.EntraError
				require.ErrorAs(t, err, &ee)
				require.Equal(t, tt.Code, ee.Code)
				require.NotEmpty(t, ee.Meaning)
				require.Equal(t, cred.Identity(), ee.Identity)
			} else {
				var fe *credential.FileError
				require.ErrorAs(t, err, &fe)
			}

			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
			t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			ctx, parent := tp.Tracer("test").Start(t.Context(), "review")
			before := len(sim.Server.Requests())
			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred})
			require.NoError(t, err)
			_, err = c.PullRequest(ctx, azdo.PullRequestRef{Project: sim.Project.ID(), RepositoryID: sim.Repo.ID(), ID: 1})
			parent.End()
			ae, ok := azdo.AsError(err)
			require.True(t, ok, "typed: %v", err)
			require.Equal(t, tt.Kind, ae.Kind)
			require.Equal(t, tt.Code, ae.EntraCode)
			require.Equal(t, cred.Identity(), ae.Credential)
			require.Contains(t, ae.Diagnosis(), tt.Fix)
			require.False(t, ae.Retryable())
			require.Len(t, sim.Server.Requests(), before, "nothing sent to Azure DevOps")

			var texts []string
			texts = append(texts, err.Error(), ae.Diagnosis())
			found := false
			for _, s := range rec.Ended() {
				for _, a := range s.Attributes() {
					texts = append(texts, a.Value.String())
					if a.Key == "error.type" && a.Value.AsString() == string(tt.Kind) {
						found = true
					}
				}
				for _, ev := range s.Events() {
					for _, a := range ev.Attributes {
						texts = append(texts, a.Value.String())
					}
				}
				texts = append(texts, s.Status().Description)
			}
			require.True(t, found, "a span has error.type=%s", tt.Kind)
			for _, secret := range secrets {
				if strings.HasPrefix(secret, "eyJ") {
					require.Regexp(t, azdotest.JWT, secret, "the pattern finds a federated token")
				}
			}
			for _, text := range texts {
				for _, secret := range secrets {
					require.NotContains(t, text, secret)
				}
				require.NotRegexp(t, azdotest.JWT, text, "no assertion or token")
			}
		})
	}
}

// shortLivedTokens builds a service principal's credential on a fake
// clock against an endpoint issuing 4-minute tokens: the endpoint, the
// secret file, the clock and the credential.
func shortLivedTokens(t *testing.T) (*azdotest.Entra, string, *fakeClock, azdo.Credential) {
	t.Helper()
	e := azdotest.NewEntra(t, azdotest.New(t))
	e.SetTokenLifetime(4 * time.Minute)
	p := e.ServicePrincipal("bot", azdosim.AccessBasic)
	path, _ := e.SecretFile(t, p, time.Time{})
	clock := newFakeClock()
	o := e.Options()
	o.Clock = clock
	cred, err := credential.New(t.Context(), credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}, o)
	require.NoError(t, err)
	return e, path, clock, cred
}

// TestTokenCachedAndRefreshed: one token serves every call until its
// refresh time (here half its 4-minute lifetime: less than the 5-minute
// margin); then one request, shared by concurrent callers, replaces it.
func TestTokenCachedAndRefreshed(t *testing.T) {
	t.Parallel()
	e, _, clock, cred := shortLivedTokens(t)
	tokens := func() int {
		n := 0
		for _, r := range e.Requests() {
			if r.Grant != "" && r.Status == 200 {
				n++
			}
		}
		return n
	}
	first, err := cred.Authorization(t.Context())
	require.NoError(t, err)
	for range 5 {
		h, err := cred.Authorization(t.Context())
		require.NoError(t, err)
		require.Equal(t, first, h)
	}
	require.Equal(t, 1, tokens(), "cached")

	clock.Advance(119 * time.Second)
	h, err := cred.Authorization(t.Context())
	require.NoError(t, err)
	require.Equal(t, first, h, "not yet due")

	clock.Advance(2 * time.Second)
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			h, err := cred.Authorization(t.Context())
			require.NoError(t, err)
			got[i] = h
		})
	}
	wg.Wait()
	require.Equal(t, 2, tokens(), "one refresh for all callers")
	for _, h := range got {
		require.NotEqual(t, first, h)
		require.Equal(t, got[0], h)
	}
}

// TestNewChecksFilesFirst: a file an Entra credential needs that is
// missing or unusable when the credential is built fails New with a
// *FileError of its kind, before any token request, whose text and
// diagnosis name the key, never the file's path.
func TestNewChecksFilesFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := dir + "/garbage.pem"
	require.NoError(t, os.WriteFile(garbage, []byte("-----BEGIN CERTIFICATE-----\nnope\n"), 0o600))
	empty := dir + "/empty"
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	tests := []struct {
		name     string
		spec     credential.Spec
		wantKind azdo.Kind
		wantText string
	}{
		{name: "certificate not a certificate", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, CertificateFile: garbage}},
			wantKind: azdo.KindCertificate, wantText: "is not a certificate with its private key"},
		{name: "certificate missing", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, CertificateFile: dir + "/none.pem"}},
			wantKind: azdo.KindCertificate, wantText: "does not exist"},
		{name: "secret file empty", spec: credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: tenant, ClientID: client, ClientSecretFile: empty}},
			wantKind: azdo.KindCredential, wantText: "is empty"},
		{name: "token file missing", spec: credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: tenant, ClientID: client, TokenFile: dir + "/token"}},
			wantKind: azdo.KindTokenFile, wantText: "does not exist"},
		{name: "token file empty", spec: credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: tenant, ClientID: client, TokenFile: empty}},
			wantKind: azdo.KindTokenFile, wantText: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := credential.New(t.Context(), tt.spec, credential.Options{})
			var fe *credential.FileError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tt.wantKind, fe.FailureKind())
			require.Contains(t, fe.Error(), tt.wantText)
			// The processes log the error and the diagnosis: the path may
			// be a token or secret pasted under the key.
			require.NotContains(t, fe.Error(), dir)
			require.NotContains(t, fe.Diagnosis(), dir)
		})
	}
}

// TestRefreshFailureKeepsTheToken: when the refresh is refused (here the
// secret file now holds a wrong secret), the cached token serves until it
// expires, with one new attempt every 30 s rather than one per call; once
// it has expired, the refusal is the answer.
func TestRefreshFailureKeepsTheToken(t *testing.T) {
	t.Parallel()
	e, path, clock, cred := shortLivedTokens(t)
	attempts := func() int {
		n := 0
		for _, r := range e.Requests() {
			if r.Grant != "" {
				n++
			}
		}
		return n
	}
	first, err := cred.Authorization(t.Context())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte("not-the-secret"), 0o600))

	clock.Advance(121 * time.Second) // due for refresh
	for range 3 {
		h, err := cred.Authorization(t.Context())
		require.NoError(t, err)
		require.Equal(t, first, h, "the cached token, still valid")
	}
	require.Equal(t, 2, attempts(), "one refused refresh for the three calls")
	clock.Advance(31 * time.Second)
	_, err = cred.Authorization(t.Context())
	require.NoError(t, err)
	require.Equal(t, 3, attempts(), "tried again after 30 s")

	clock.Advance(2 * time.Minute) // past expiry
	_, err = cred.Authorization(t.Context())
	var ee *credential.EntraError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, "AADSTS7000215", ee.Code)
}
