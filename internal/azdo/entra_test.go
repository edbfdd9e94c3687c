package azdo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/credential"
)

// TestEntraIdentityRefusals: Azure DevOps' refusals of a valid Entra token
// get their own kinds: not a member of the organisation (401 everywhere),
// a member without an access level that includes Repos (401 or 403 on Git
// calls: which one Azure sends is unverified, both are handled), while a
// missing Git permission stays KindForbidden, as for a PAT.
func TestEntraIdentityRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		level     azdosim.AccessLevel // "": not a member
		deny      azdosim.GitPermission
		call      func(ctx context.Context, c *azdo.Client, sim *azdotest.Sim, pr azdo.PullRequestRef) error
		wantKind  azdo.Kind
		wantAfter azdo.Kind // after Explain
		wantInFix string
	}{
		{name: "not a member", wantKind: azdo.KindNotMember, wantAfter: azdo.KindNotMember, wantInFix: "is not a member of the organisation",
			call: func(ctx context.Context, c *azdo.Client, _ *azdotest.Sim, _ azdo.PullRequestRef) error {
				_, err := c.WhoAmI(ctx)
				return err
			}},
		{name: "not a member, pull request", wantKind: azdo.KindNotMember, wantAfter: azdo.KindNotMember, wantInFix: "Organization settings → Users",
			call: func(ctx context.Context, c *azdo.Client, _ *azdotest.Sim, pr azdo.PullRequestRef) error {
				_, err := c.PullRequest(ctx, pr)
				return err
			}},
		{name: "no access level (401)", level: azdosim.AccessNone, wantKind: azdo.KindNotMember, wantAfter: azdo.KindNoAccessLevel, wantInFix: "Basic access level",
			call: func(ctx context.Context, c *azdo.Client, _ *azdotest.Sim, pr azdo.PullRequestRef) error {
				_, err := c.PullRequest(ctx, pr)
				return err
			}},
		{name: "stakeholder (403)", level: azdosim.AccessStakeholder, wantKind: azdo.KindNoAccessLevel, wantAfter: azdo.KindNoAccessLevel, wantInFix: "does not include Repos",
			call: func(ctx context.Context, c *azdo.Client, _ *azdotest.Sim, pr azdo.PullRequestRef) error {
				_, err := c.PullRequest(ctx, pr)
				return err
			}},
		{name: "basic without Contribute to pull requests", level: azdosim.AccessBasic, deny: azdosim.GitPullRequestContribute, wantKind: azdo.KindForbidden, wantAfter: azdo.KindForbidden, wantInFix: "Contribute to pull requests",
			call: func(ctx context.Context, c *azdo.Client, _ *azdotest.Sim, pr azdo.PullRequestRef) error {
				_, err := c.CreateThread(ctx, pr, azdo.Thread{Status: azdo.ThreadActive, Comments: []azdo.Comment{{Content: "x"}}})
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			e := azdotest.NewEntra(t, sim)
			p := e.ServicePrincipal("Review Bot", tt.level)
			if tt.deny != 0 {
				sim.Repo.Deny(p.Identity(), tt.deny)
			}
			path, _ := e.SecretFile(t, p, time.Time{})
			cred, err := credential.New(t.Context(), credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}, e.Options())
			require.NoError(t, err)
			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred, MaxRetries: -1})
			require.NoError(t, err)
			pr := sim.NewPullRequest(map[string]string{"a.go": "package a\n"}, map[string]string{"a.go": "package a\n\nfunc A() {}\n"})
			ref := azdo.PullRequestRef{Project: sim.Project.ID(), RepositoryID: sim.Repo.ID(), ID: pr.ID()}

			err = tt.call(t.Context(), c, sim, ref)
			ae, ok := azdo.AsError(err)
			require.True(t, ok, "typed: %v", err)
			require.Equal(t, tt.wantKind, ae.Kind, "%v", err)
			explained, ok := azdo.AsError(c.Explain(t.Context(), sim.Project.ID(), sim.Repo.ID(), sim.Repo.Name(), err))
			require.True(t, ok)
			require.Equal(t, tt.wantAfter, explained.Kind)
			require.Contains(t, explained.Diagnosis(), tt.wantInFix)
			if tt.wantAfter == azdo.KindNotMember || tt.wantAfter == azdo.KindNoAccessLevel {
				require.Contains(t, explained.Diagnosis(), "service_principal:"+p.ClientID())
				require.False(t, explained.Retryable())
			}
		})
	}
}

// TestCredentialFailureKeepsItsDiagnosis: a credential's failure that says
// what it is (azdo.CredentialFailure) reaches the caller with its kind, code
// and diagnosis, not as a transient failure; one that does not stays
// transient. Neither is resent.
func TestCredentialFailureKeepsItsDiagnosis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantKind azdo.Kind
		wantCode string
		wantFix  string
	}{
		{name: "entra refusal", err: fmt.Errorf("wrapped: %w", &credential.EntraError{Code: "AADSTS7000222", Identity: "test:counting", Meaning: "the secret has expired.", Fix: "Create a new client secret."}),
			wantKind: azdo.KindSecretExpired, wantCode: "AADSTS7000222", wantFix: "Create a new client secret."},
		{name: "token file", err: &credential.FileError{Key: "credential.workload_identity.token_file", Path: "/var/run/t", Problem: "does not exist"},
			wantKind: azdo.KindTokenFile, wantFix: "credential.workload_identity.token_file names does not exist"},
		{name: "anything else", err: errors.New("dial tcp: connection refused"), wantKind: azdo.KindTransient, wantFix: "retried"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			cred := &countingCredential{header: azdo.PAT(sim.PAT), fail: tt.err}
			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred, MaxRetries: 3})
			require.NoError(t, err)
			_, err = c.Projects(t.Context())
			ae, ok := azdo.AsError(err)
			require.True(t, ok)
			require.Equal(t, tt.wantKind, ae.Kind)
			require.Equal(t, tt.wantCode, ae.EntraCode)
			require.Equal(t, "test:counting", ae.Credential)
			require.Contains(t, ae.Diagnosis(), tt.wantFix)
			require.Equal(t, 1, cred.calls, "not resent")
			var ce *azdo.CredentialError
			require.ErrorAs(t, err, &ce)
		})
	}
}

// TestBearerTokenOnlyForTheOrganisation: every Entra kind's token goes to
// the organisation's host and not to the host a redirect names (the PAT's
// is TestCredentialHeaderOnlyForTheOrganisation; a managed identity's
// token takes the same path as these).
func TestBearerTokenOnlyForTheOrganisation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec
	}{
		{name: "client secret", spec: func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec {
			path, _ := e.SecretFile(t, p, time.Time{})
			return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}
		}},
		{name: "certificate", spec: func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec {
			return credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), CertificateFile: e.CertificateFile(t, p, true)}}
		}},
		{name: "workload identity", spec: func(t *testing.T, e *azdotest.Entra, p *azdosim.Principal) credential.Spec {
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
			cred, err := credential.New(t.Context(), tt.spec(t, e, p), e.Options())
			require.NoError(t, err)

			var mu sync.Mutex
			var atOrg, elsewhere []string
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				elsewhere = append(elsewhere, r.Header.Get("Authorization"))
				mu.Unlock()
				http.Error(w, "no", http.StatusNotFound)
			}))
			t.Cleanup(other.Close)
			org := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				atOrg = append(atOrg, r.Header.Get("Authorization"))
				mu.Unlock()
				if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/connectionData") {
					w.Header().Set("Location", other.URL+r.URL.Path)
					w.WriteHeader(http.StatusTemporaryRedirect)
					return
				}
				sim.Server.Handler().ServeHTTP(w, r)
			}))
			t.Cleanup(org.Close)
			c, err := azdo.New(azdo.Config{OrgURL: org.URL + "/" + url.PathEscape(azdotest.OrgName), Credential: cred, MaxRetries: -1})
			require.NoError(t, err)
			_, err = c.WhoAmI(t.Context())
			require.Error(t, err)
			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, atOrg)
			for _, h := range atOrg {
				require.True(t, strings.HasPrefix(h, "Bearer simentra."), "the organisation gets the token")
			}
			require.Equal(t, []string{""}, elsewhere, "the redirect's host gets no token")
		})
	}
}
