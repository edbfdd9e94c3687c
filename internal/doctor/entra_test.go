package doctor_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/doctor"
)

// TestDoctorEntraFailures: doctor asks an Entra credential for a token
// first and prints each refusal with its AADSTS code, what it means and
// the fix, and checks nothing else; no secret is printed.
func TestDoctorEntraFailures(t *testing.T) {
	t.Parallel()
	for _, tt := range azdotest.EntraFailures() {
		t.Run(tt.Name, func(t *testing.T) {
			t.Parallel()
			sim, cred, secrets := tt.Start(t)
			client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred, MaxRetries: -1})
			require.NoError(t, err)
			checks := doctor.Run(t.Context(), client, doctor.Config{Project: sim.Project.Name(), Repository: sim.Repo.Name(), Credential: cred})
			require.True(t, doctor.Failed(checks))
			require.Equal(t, []doctor.Check{checks[0], {Name: "Identity accepted", Status: doctor.Skip, Detail: "no token"}}, checks)
			require.Equal(t, "Token request", checks[0].Name)
			require.Equal(t, doctor.Fail, checks[0].Status)

			var out bytes.Buffer
			doctor.Print(&out, checks)
			require.Contains(t, out.String(), "fix: ")
			require.Contains(t, out.String(), tt.Fix)
			if tt.Code != "" {
				require.Contains(t, out.String(), tt.Code)
			}
			for _, s := range secrets {
				require.NotContains(t, out.String(), s)
			}
			require.NotRegexp(t, azdotest.JWT, out.String())
			require.Empty(t, sim.Server.Requests(), "nothing sent to Azure DevOps")
		})
	}
}

// TestDoctorEntraIdentityInTheOrganisation: a service principal whose token
// Entra issues but that is not a member, or a member without Basic access,
// fails with how to add it; with Basic access everything passes.
func TestDoctorEntraIdentityInTheOrganisation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		level     azdosim.AccessLevel
		want      map[string]doctor.Status
		wantInFix []string
	}{
		{name: "not a member", want: map[string]doctor.Status{"Token request": doctor.Pass, "Identity accepted": doctor.Fail, "Repository readable": doctor.Skip},
			wantInFix: []string{"is not a member of the organisation", "Organization settings → Users", "Basic access level", "Contributors", `"Contribute to pull requests"`}},
		{name: "no access level", level: azdosim.AccessNone, want: map[string]doctor.Status{"Token request": doctor.Pass, "Identity accepted": doctor.Pass, "Repository readable": doctor.Fail},
			wantInFix: []string{"its access level does not include Repos", "Organization settings → Users", "Basic access level", "Contributors"}},
		{name: "stakeholder", level: azdosim.AccessStakeholder, want: map[string]doctor.Status{"Token request": doctor.Pass, "Identity accepted": doctor.Pass, "Repository readable": doctor.Fail},
			wantInFix: []string{"its access level does not include Repos", "Basic access level"}},
		{name: "basic", level: azdosim.AccessBasic, want: map[string]doctor.Status{"Token request": doctor.Pass, "Identity accepted": doctor.Pass, "Repository readable": doctor.Pass,
			"Pull requests readable": doctor.Pass, "Permission Read": doctor.Pass, "Permission Contribute to pull requests": doctor.Pass}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			e := azdotest.NewEntra(t, sim)
			p := e.ServicePrincipal("Review Bot", tt.level)
			path, secret := e.SecretFile(t, p, time.Time{})
			cred, err := credential.New(t.Context(), credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}, e.Options())
			require.NoError(t, err)
			client, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), Credential: cred, MaxRetries: -1})
			require.NoError(t, err)
			checks := doctor.Run(t.Context(), client, doctor.Config{Project: sim.Project.Name(), Repository: sim.Repo.Name(), Credential: cred})
			got := map[string]doctor.Status{}
			for _, c := range checks {
				got[c.Name] = c.Status
			}
			for name, status := range tt.want {
				require.Equal(t, status, got[name], "check %q in %+v", name, checks)
			}
			var out bytes.Buffer
			doctor.Print(&out, checks)
			for _, s := range tt.wantInFix {
				require.Contains(t, out.String(), s)
			}
			require.NotContains(t, out.String(), secret)
		})
	}
}
