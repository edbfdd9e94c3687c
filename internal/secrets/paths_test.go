package secrets

import (
	"os"
	"strings"
	"testing"

	"github.com/spf13/viper"
	"github.com/stretchr/testify/require"
	"github.com/zricethezav/gitleaks/v8/config"
)

// TestGitleaksGlobalPathsReviewed: thirdPartyPaths is gitleaks' global path
// allow-list, reviewed and anchored. When an upgrade of gitleaks changes
// that list, this fails: review the change, carry it into thirdPartyPaths,
// and update testdata/reviewed/gitleaks-global-paths.txt.
func TestGitleaksGlobalPathsReviewed(t *testing.T) {
	t.Parallel()
	v := viper.New()
	v.SetConfigType("toml")
	require.NoError(t, v.ReadConfig(strings.NewReader(config.DefaultConfig)))
	var vc config.ViperConfig
	require.NoError(t, v.Unmarshal(&vc))
	cfg, err := vc.Translate()
	require.NoError(t, err)
	var got []string
	for _, a := range cfg.Allowlists {
		for _, p := range a.Paths {
			got = append(got, p.String())
		}
	}
	data, err := os.ReadFile("testdata/reviewed/gitleaks-global-paths.txt")
	require.NoError(t, err)
	require.Equal(t, strings.Split(strings.TrimSpace(string(data)), "\n"), got)
}
