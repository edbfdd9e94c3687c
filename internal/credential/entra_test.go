package credential_test

import (
	"context"
	"os"
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

// TestManagedIdentity: azidentity's managed identity credential, pointed at
// the simulator as App Service points it (IDENTITY_ENDPOINT,
// IDENTITY_HEADER), for the system-assigned and a user-assigned identity.
// Not parallel: the endpoint is process environment.
func TestManagedIdentity(t *testing.T) {
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

// entraFailure is one failure mode: how to make it, and what it is.
type entraFailure struct {
	name     string
	make     func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) // the spec, and the secrets it involves
	wantCode string                                                            // AADSTS code; "" for a file failure
	wantKind azdo.Kind
	wantFix  string // in the diagnosis
	late     bool   // the failure appears at token time only (the file removed after New)
}

// entraFailures are the failure modes of Entra credentials.
func entraFailures() []entraFailure {
	sp := func(e *azdotest.Entra, p *azdosim.Principal, secretFile string) credential.Spec {
		return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: secretFile}}
	}
	return []entraFailure{
		{name: "invalid client secret", wantCode: "AADSTS7000215", wantKind: azdo.KindEntraRefused, wantFix: "not its Secret ID",
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				_, good := e.SecretFile(t, p, time.Time{})
				other := e.ServicePrincipal("other", azdosim.AccessBasic)
				path, wrong := e.SecretFile(t, other, time.Time{})
				return sp(e, p, path), []string{good, wrong}
			}},
		{name: "expired client secret", wantCode: "AADSTS7000222", wantKind: azdo.KindSecretExpired, wantFix: "Create a new client secret",
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, secret := e.SecretFile(t, p, time.Now().Add(-time.Hour))
				return sp(e, p, path), []string{secret}
			}},
		{name: "application not found", wantCode: "AADSTS700016", wantKind: azdo.KindEntraRefused, wantFix: "Check client_id",
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, secret := e.SecretFile(t, p, time.Time{})
				s := sp(e, p, path)
				s.ServicePrincipal.ClientID = "9d7e3c55-0000-4000-8000-00000000abcd"
				return s, []string{secret}
			}},
		{name: "tenant not found", wantCode: "AADSTS90002", wantKind: azdo.KindEntraRefused, wantFix: "Set tenant_id",
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, secret := e.SecretFile(t, p, time.Time{})
				s := sp(e, p, path)
				s.ServicePrincipal.TenantID = "0f0f0f0f-0000-4000-8000-000000000000"
				return s, []string{secret}
			}},
		{name: "certificate not registered", wantCode: "AADSTS700027", wantKind: azdo.KindEntraRefused, wantFix: "Upload the certificate's public part",
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), CertificateFile: e.CertificateFile(t, p, false)}}, nil
			}},
		{name: "federated token expired", wantCode: "AADSTS700024", wantKind: azdo.KindEntraRefused, wantFix: "projected service account token",
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, tok := e.FederatedTokenFile(t, p, azdotest.FederatedSubject, true, time.Now().Add(-time.Minute))
				return credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: e.TenantID, ClientID: p.ClientID(), TokenFile: path}}, []string{tok}
			}},
		{name: "no matching federated credential", wantCode: "AADSTS70021", wantKind: azdo.KindEntraRefused, wantFix: "Add a federated credential",
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, tok := e.FederatedTokenFile(t, p, "system:serviceaccount:other:default", true, time.Now().Add(time.Hour))
				return credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: e.TenantID, ClientID: p.ClientID(), TokenFile: path}}, []string{tok}
			}},
		{name: "federated token file missing", wantKind: azdo.KindTokenFile, wantFix: "azure.workload.identity/use", late: true,
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				path, tok := e.FederatedTokenFile(t, p, azdotest.FederatedSubject, true, time.Now().Add(time.Hour))
				return credential.Spec{WorkloadIdentity: &credential.WorkloadIdentity{TenantID: e.TenantID, ClientID: p.ClientID(), TokenFile: path}}, []string{tok}
			}},
		{name: "certificate file unreadable", wantKind: azdo.KindCertificate, wantFix: "hold the certificate and its unencrypted private key", late: true,
			make: func(t *testing.T, e *azdotest.Entra) (credential.Spec, []string) {
				p := e.ServicePrincipal("bot", azdosim.AccessBasic)
				return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), CertificateFile: e.CertificateFile(t, p, true)}}, nil
			}},
	}
}

// removeFile makes a late failure: the file a credential needs goes
// missing after it was built.
func removeFile(t *testing.T, s credential.Spec) {
	t.Helper()
	switch {
	case s.WorkloadIdentity != nil:
		require.NoError(t, os.Remove(s.WorkloadIdentity.TokenFile))
	case s.ServicePrincipal != nil && s.ServicePrincipal.CertificateFile != "":
		require.NoError(t, os.WriteFile(s.ServicePrincipal.CertificateFile, []byte("not a certificate"), 0o600))
	}
}

// TestEntraFailures: every failure mode is typed where the client decides
// (an *EntraError with its code, meaning and fix, or a *FileError), the
// client's error is of its own kind with the code and the fix, nothing was
// sent to Azure DevOps, and no secret, token or assertion is in the error
// or on a span.
func TestEntraFailures(t *testing.T) {
	t.Parallel()
	for _, tt := range entraFailures() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			e := azdotest.NewEntra(t, sim)
			spec, secrets := tt.make(t, e)
			cred, err := credential.New(t.Context(), spec, e.Options())
			require.NoError(t, err)
			if tt.late {
				removeFile(t, spec)
			}
			_, err = cred.Authorization(t.Context())
			require.Error(t, err)
			if tt.wantCode != "" {
				var ee *credential.EntraError
				require.ErrorAs(t, err, &ee)
				require.Equal(t, tt.wantCode, ee.Code)
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
			require.Equal(t, tt.wantKind, ae.Kind)
			require.Equal(t, tt.wantCode, ae.EntraCode)
			require.Equal(t, cred.Identity(), ae.Credential)
			require.Contains(t, ae.Diagnosis(), tt.wantFix)
			require.False(t, ae.Retryable())
			require.Len(t, sim.Server.Requests(), before, "nothing sent to Azure DevOps")

			var texts []string
			texts = append(texts, err.Error(), ae.Diagnosis())
			found := false
			for _, s := range rec.Ended() {
				for _, a := range s.Attributes() {
					texts = append(texts, a.Value.Emit())
					if a.Key == "error.type" && a.Value.AsString() == string(tt.wantKind) {
						found = true
					}
				}
				for _, ev := range s.Events() {
					for _, a := range ev.Attributes {
						texts = append(texts, a.Value.Emit())
					}
				}
				texts = append(texts, s.Status().Description)
			}
			require.True(t, found, "a span has error.type=%s", tt.wantKind)
			for _, secret := range secrets {
				for _, text := range texts {
					require.NotContains(t, text, secret)
				}
			}
		})
	}
}

// TestTokenCachedAndRefreshed: one token serves every call until its
// refresh time (here half its 4-minute lifetime: less than the 5-minute
// margin); then one request, shared by concurrent callers, replaces it.
func TestTokenCachedAndRefreshed(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	e := azdotest.NewEntra(t, sim)
	e.SetTokenLifetime(4 * time.Minute)
	p := e.ServicePrincipal("bot", azdosim.AccessBasic)
	path, _ := e.SecretFile(t, p, time.Time{})
	clock := newFakeClock()
	o := e.Options()
	o.Clock = clock
	cred, err := credential.New(t.Context(), credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}, o)
	require.NoError(t, err)
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
