package ingest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/ingest"
)

func TestOrganisations(t *testing.T) {
	t.Parallel()
	set := ingest.NewOrganisations("https://dev.azure.com/Fabrikam/", "https://tfs.example.com/tfs/DefaultCollection")
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://dev.azure.com/fabrikam", true},
		{"https://fabrikam.visualstudio.com/", true},
		{"https://tfs.example.com/tfs/defaultcollection/", true},
		{"https://dev.azure.com/contoso", false},
		{"https://dev.azure.com/fabrikam/extra", false},
	} {
		require.Equal(t, tc.want, set.Configured(tc.url), tc.url)
	}
	set.Set([]string{"https://dev.azure.com/contoso"})
	require.True(t, set.Configured("https://dev.azure.com/contoso"))
	require.False(t, set.Configured("https://dev.azure.com/fabrikam"), "Set replaces the set")
	var none *ingest.Organisations
	require.True(t, none.Configured("https://dev.azure.com/anything"), "nil: every organisation")
}
