package azdosim_test

import (
	"strings"
	"testing"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/core"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// A PAT limited to one organization works there and is refused (401)
// elsewhere; the request log names the caller of each request it
// authenticated, and no caller for one it refused.
func TestPATLimitedToOneOrg(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	other := sim.Server.AddOrg("Contoso")
	other.AddProject("Tools")
	bob := azdosim.Identity{UniqueName: "bob@contoso.example"}
	pat := sim.NewPAT(bob)
	sim.Server.LimitPATToOrgs(pat, "contoso")

	projects := func(orgURL string) error {
		c, err := core.NewClient(t.Context(), azuredevops.NewPatConnection(orgURL, pat))
		if err != nil {
			return err
		}
		_, err = c.GetProjects(t.Context(), core.GetProjectsArgs{})
		return err
	}
	require.NoError(t, projects(other.URL()))
	requireAzureError(t, projects(sim.Org.URL()), 401, "UnauthorizedRequestException")

	seen := map[string]int{}
	for _, r := range sim.Server.Requests() {
		switch {
		case strings.HasPrefix(r.Path, "/contoso/"):
			require.Equal(t, "bob@contoso.example", r.Caller, r.Path)
			require.Less(t, r.Status, 300, r.Path)
			seen["contoso"]++
		case strings.HasPrefix(strings.ToLower(r.Path), "/"+strings.ToLower(azdotest.OrgName)+"/"):
			require.Empty(t, r.Caller, r.Path)
			require.Equal(t, 401, r.Status, r.Path)
			seen["fabrikam"]++
		}
	}
	require.Positive(t, seen["contoso"])
	require.Positive(t, seen["fabrikam"])

	sim.Server.LimitPATToOrgs(pat)
	require.NoError(t, projects(sim.Org.URL()), "no names: every organization again")
}
