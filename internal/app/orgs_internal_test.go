package app

import (
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/budget"
	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/orgs"
)

// A reload keeps an organisation's client only while its credential is
// written the same: an Entra identity names no secret, so a rotated inline
// client secret must build a new credential.
func TestReloadRebuildsAChangedCredential(t *testing.T) {
	t.Parallel()
	sp := func(secret string) []orgs.Organization {
		return []orgs.Organization{{Name: "contoso", URL: "https://dev.azure.com/contoso", Credential: credential.Spec{
			ServicePrincipal: &credential.ServicePrincipal{TenantID: "contoso.onmicrosoft.com", ClientID: "8f0b7a2e-54f1-4a4a-9d55-2b0c3f1e6a11", ClientSecret: secret},
		}}}
	}
	c := &AzureDevOps{}
	first, err := c.orgClients(t.Context(), sp("one"), nil, nil, nil, nil)
	require.NoError(t, err)
	same, err := c.orgClients(t.Context(), sp("one"), nil, nil, first, nil)
	require.NoError(t, err)
	require.Same(t, first[0].client, same[0].client, "unchanged: its limiter and pauses carry over")
	rotated, err := c.orgClients(t.Context(), sp("two"), nil, nil, same, nil)
	require.NoError(t, err)
	require.NotSame(t, same[0].client, rotated[0].client, "a rotated secret is a new credential")
}

// TestBudgetOffForOneOrganisation: azure_budget: off gives that
// organisation no identity-wide budget while AZDO_BUDGET gives the others
// theirs.
func TestBudgetOffForOneOrganisation(t *testing.T) {
	t.Parallel()
	pat := func(name string, budget int) orgs.Organization {
		return orgs.Organization{Name: name, URL: "https://dev.azure.com/" + name, Credential: credential.Spec{PAT: name + "-pat-value"}, AzureBudget: budget}
	}
	c := &AzureDevOps{Budget: DefaultBudget}
	list, err := c.orgClients(t.Context(), []orgs.Organization{pat("fabrikam", 0), pat("contoso", orgs.BudgetOff), pat("tailspin", 300)}, nil, nil, nil,
		&budgetSetup{metrics: budget.NewMetrics(prometheus.NewRegistry()), log: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.NotNil(t, list[0].budget, "AZDO_BUDGET's default")
	require.Nil(t, list[1].budget, "azure_budget: off")
	require.NotNil(t, list[2].budget, "its own azure_budget")
	require.Equal(t, []string{"6000", "off", "300"}, c.orgBudgets(list))
}
