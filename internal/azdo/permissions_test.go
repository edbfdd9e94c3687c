package azdo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestPermissionEvaluationScopes: a PAT that is accepted but whose scopes
// do not allow evaluating permissions reads as cannot_evaluate, naming the
// scope, never as an invalid PAT; an expired PAT still reads as expired.
func TestPermissionEvaluationScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(sim *azdotest.Sim)
		wantKind azdo.Kind // "" for an answer
		wantHas  bool
		wantView bool
	}{
		{name: "full access", setup: func(*azdotest.Sim) {}, wantHas: true, wantView: true},
		{name: "full access, denied", setup: func(sim *azdotest.Sim) {
			sim.Repo.Deny(sim.User, azdosim.GitPullRequestContribute)
			sim.Project.DenyHooks(sim.User, azdosim.HooksViewSubscriptions)
		}},
		{name: "security scope", setup: func(sim *azdotest.Sim) { sim.Server.LimitScopes(sim.PAT, "vso.code", azdosim.SecurityScope) }, wantHas: true, wantView: true},
		{name: "Code (Read & Write) and Code (Status)", setup: func(sim *azdotest.Sim) {
			sim.Server.LimitScopes(sim.PAT, "vso.code_write", "vso.code_status")
		}, wantKind: azdo.KindCannotEvaluate},
		{name: "Kodus' list", setup: func(sim *azdotest.Sim) {
			sim.Server.LimitScopes(sim.PAT, "vso.analytics", "vso.code_write", "vso.graph", "vso.identity", "vso.project", "vso.profile")
		}, wantKind: azdo.KindCannotEvaluate},
		{name: "expired", setup: func(sim *azdotest.Sim) { sim.Server.ExpirePAT(sim.PAT) }, wantKind: azdo.KindUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			tt.setup(sim)
			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, MaxRetries: -1})
			require.NoError(t, err)
			ctx := context.Background()
			has, errHas := c.HasPermission(ctx, sim.Project.ID(), sim.Repo.ID(), azdo.GitPullRequestContribute)
			view, errView := c.CanViewSubscriptions(ctx, sim.Project.ID())
			if tt.wantKind == "" {
				require.NoError(t, errHas)
				require.NoError(t, errView)
				require.Equal(t, tt.wantHas, has)
				require.Equal(t, tt.wantView, view)
				return
			}
			for _, err := range []error{errHas, errView} {
				e, ok := azdo.AsError(err)
				require.True(t, ok, "%T %v", err, err)
				require.Equal(t, tt.wantKind, e.Kind)
				if tt.wantKind == azdo.KindCannotEvaluate {
					require.Equal(t, azdo.SecurityScope, e.Scope)
					require.Contains(t, e.Diagnosis(), "vso.security_manage")
					require.NotContains(t, e.Diagnosis(), "invalid or revoked")
				}
			}
		})
	}
}

// TestExplainWithoutSecurityScope: a 403 on a write is confirmed by a
// permission evaluation when the PAT's scopes allow one, and keeps its
// diagnosis, unconfirmed, when they do not.
func TestExplainWithoutSecurityScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		scopes        []string
		wantConfirmed bool
		wantEvals     int
	}{
		{"full access confirms", nil, true, 1},
		{"with the security scope", []string{"vso.code_write", azdosim.SecurityScope}, true, 1},
		{"without it", []string{"vso.code_write", "vso.code_status"}, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			pr := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"})
			sim.Repo.Deny(sim.User, azdosim.GitPullRequestContribute)
			sim.Server.LimitScopes(sim.PAT, tt.scopes...)
			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, MaxRetries: -1})
			require.NoError(t, err)
			ctx := context.Background()
			ref := azdo.PullRequestRef{Project: sim.Project.ID(), RepositoryID: sim.Repo.ID(), ID: pr.ID()}
			_, err = c.CreateThread(ctx, ref, azdo.Thread{Comments: []azdo.Comment{{Content: "finding"}}})
			err = c.Explain(ctx, sim.Project.ID(), sim.Repo.ID(), sim.Repo.Name(), azdo.WriteFailure(err))
			e, ok := azdo.AsError(err)
			require.True(t, ok)
			require.Equal(t, azdo.KindForbidden, e.Kind)
			require.Equal(t, azdo.GitPullRequestContribute, e.Permission)
			require.Equal(t, tt.wantConfirmed, e.Confirmed)
			require.Contains(t, e.Diagnosis(), `Grant "Contribute to pull requests" on repository "Web App" to the PAT owner "Azure Reviewer"`)
			require.Equal(t, tt.wantConfirmed, strings.Contains(e.Diagnosis(), "confirms"))
			require.Equal(t, tt.wantEvals, sim.Server.Count("security.permissions.has"))
		})
	}
}

// TestExplainWriteRefusal: a write refused with 401 is a missing write scope
// while the PAT is still accepted (confirmed by one call), and the PAT's own
// refusal when it was revoked or expired while the review ran.
func TestExplainWriteRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		after     func(sim *azdotest.Sim)
		wantKind  azdo.Kind
		wantInDia string
	}{
		{"scope missing, PAT accepted", func(*azdotest.Sim) {}, azdo.KindMissingScope, "so it is its scope"},
		{"revoked since", func(sim *azdotest.Sim) { sim.Server.RevokePAT(sim.PAT) }, azdo.KindUnauthorized, "invalid or revoked"},
		{"expired since", func(sim *azdotest.Sim) { sim.Server.ExpirePAT(sim.PAT) }, azdo.KindUnauthorized, "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			pr := sim.NewPullRequest(map[string]string{"/a": "1\n"}, map[string]string{"/a": "2\n"})
			sim.Server.LimitScopes(sim.PAT, "vso.code")
			c, err := azdo.New(azdo.Config{OrgURL: sim.Org.URL(), PAT: sim.PAT, MaxRetries: -1})
			require.NoError(t, err)
			ctx := context.Background()
			ref := azdo.PullRequestRef{Project: sim.Project.ID(), RepositoryID: sim.Repo.ID(), ID: pr.ID()}
			_, err = c.CreateThread(ctx, ref, azdo.Thread{Comments: []azdo.Comment{{Content: "finding"}}})
			require.Equal(t, azdo.KindMissingScope, func() azdo.Kind { e, _ := azdo.AsError(azdo.WriteFailure(err)); return e.Kind }())
			tt.after(sim)
			err = c.Explain(ctx, sim.Project.ID(), sim.Repo.ID(), sim.Repo.Name(), azdo.WriteFailure(err))
			e, ok := azdo.AsError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tt.wantKind, e.Kind)
			require.Contains(t, e.Diagnosis(), tt.wantInDia)
			require.NotContains(t, err.Error(), sim.PAT)
		})
	}
}
