package servicehooks

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCanonicalOrgURLIsWhatParsingGives checks the shortcut of
// NormalizeOrgURL: every URL it takes as canonical is what parsing returns,
// and the ones it leaves to parsing include every near miss.
func TestCanonicalOrgURLIsWhatParsingGives(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		canonical bool
	}{
		{"https://dev.azure.com/fabrikam", true},
		{"https://dev.azure.com/fabrikam-fiber_inc.2~x", true},
		{"https://dev.azure.com/..", true},
		{"https://dev.azure.com/.", true},
		{"https://dev.azure.com/0", true},
		{"https://dev.azure.com/", false},
		{"https://dev.azure.com", false},
		{"https://dev.azure.com/fabrikam/project", false},
		{"https://dev.azure.com/fabrikam%20fiber", false},
		{"https://dev.azure.com/fabrikam fiber", false},
		{"https://dev.azure.com/fabrikam?x=1", false},
		{"https://dev.azure.com/fabrikam#x", false},
		{"https://dev.azure.com/fabrikam:1", false},
		{"https://dev.azure.com/fabrikam@x", false},
		{"https://dev.azure.com/fabrik\u00e4m", false},
		{"https://dev.azure.com/fabrikam+1", false},
		{"https://dev.azure.com:443/fabrikam", false},
		{"https://dev.azure.com.evil/fabrikam", false},
		{"http://dev.azure.com/fabrikam", false},
		{"https://fabrikam.visualstudio.com", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.canonical, isCanonicalOrgURL(tt.in), tt.in)
		if tt.canonical {
			require.Equal(t, tt.in, normalizeParsedOrgURL(tt.in), tt.in)
		}
	}
}

// FuzzCanonicalOrgURL: whatever the shortcut takes as canonical, parsing
// returns unchanged.
func FuzzCanonicalOrgURL(f *testing.F) {
	for _, s := range []string{"fabrikam", "..", "a-b_c.d~e", "%41", "a/b", "a?b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, org string) {
		s := strings.ToLower(strings.TrimRight(strings.TrimSpace(devAzurePrefix+org), "/"))
		if isCanonicalOrgURL(s) {
			require.Equal(t, s, normalizeParsedOrgURL(s))
		}
	})
}

// TestResourceURLShortcutsAreWhatParsingGives checks the shortcuts of
// orgFromResourceURL (dev.azure.com and visualstudio.com) against
// parsing, on the URLs they take and on near
// misses they leave to parsing.
func TestResourceURLShortcutsAreWhatParsingGives(t *testing.T) {
	t.Parallel()
	project := &Project{ID: "abcd-1234", Name: "Fiber"}
	tests := []struct {
		in   string
		fast bool
	}{
		{"https://dev.azure.com/fabrikam/DefaultCollection/_apis/repos/git/repositories/b1b1", true},
		{"https://dev.azure.com/Fabrikam/_apis/repos", true},
		{"https://dev.azure.com/fabrikam", true},
		{"https://dev.azure.com/fabrikam/", true},
		{"https://dev.azure.com/fabrikam//x", true},
		{"https://dev.azure.com/fabrikam/_apis/", true},
		{"https://dev.azure.com/../Fiber/_apis", true},
		{"https://dev.azure.com/a.b-c_d~e/Fiber", true},
		{"https://dev.azure.com/_apis/x", false},
		{"https://dev.azure.com/_apis", false},
		{"https://dev.azure.com//fabrikam/_apis/x", false},
		{"https://dev.azure.com/", false},
		{"https://dev.azure.com/fabrikam%2Fx/_apis", false},
		{"https://dev.azure.com/fabrikam/%zz", false},
		{"https://dev.azure.com/fabrikam/a b", false},
		{"https://dev.azure.com/fabrikam?x=/y", false},
		{"https://dev.azure.com/fabrikam#x", false},
		{"https://dev.azure.com/fabrikam/\x7f", false},
		{"https://dev.azure.com:8080/fabrikam", false},
		{"https://DEV.azure.com/fabrikam", false},
		{"http://dev.azure.com/fabrikam", false},
		{"https://server/tfs/DefaultCollection/_apis/x", false},
		{"https://fabrikam.visualstudio.com/DefaultCollection/_apis/git/repositories/c2c2", true},
		{"https://fabrikam.visualstudio.com", true},
		{"https://fabrikam.visualstudio.com/", true},
		{"https://a.b-c.visualstudio.com/Fiber/_apis", true},
		{"https://..visualstudio.com/x", true},
		{"https://.visualstudio.com/x", false},
		{"https://visualstudio.com/x", false},
		{"https://Fabrikam.visualstudio.com/x", false},
		{"https://fabrikam.visualstudio.com:443/x", false},
		{"https://u@fabrikam.visualstudio.com/x", false},
		{"https://fabrikam.visualstudio.com.evil/x", false},
		{"https://fabrikam.visualstudio.com/%41", false},
		{"https://fabrikam.visualstudio.com?x", false},
		{"https://fabrikam.visualstudio.com/x?y", false},
		{"https://fab_rikam.visualstudio.com/x", false},
		{"http://fabrikam.visualstudio.com/x", false},
	}
	for _, tt := range tests {
		org, ok := devAzureOrg(tt.in)
		vsOrg, vsOK := visualStudioOrg(tt.in)
		require.Equal(t, tt.fast, ok || vsOK, tt.in)
		want := orgFromParsedResourceURL(tt.in, project)
		require.Equal(t, want, orgFromResourceURL(tt.in, project), tt.in)
		if ok {
			require.Equal(t, want, NormalizeOrgURL(devAzurePrefix+org), tt.in)
		}
		if vsOK {
			require.Equal(t, want, devAzurePrefix+vsOrg, tt.in)
		}
	}
}

// FuzzOrgFromResourceURL: orgFromResourceURL, shortcut or not, is what
// parsing gives.
func FuzzOrgFromResourceURL(f *testing.F) {
	for _, s := range []string{"fabrikam/DefaultCollection/_apis/repos/git/repositories/b1", "_apis/x", "/x", "a%2fb/_apis", "Fiber", "x/Fiber/_apis/", "fabrikam.visualstudio.com/DefaultCollection/_apis", "fabrikam"} {
		f.Add(s, "Fiber")
	}
	f.Fuzz(func(t *testing.T, rest, name string) {
		project := &Project{Name: name}
		for _, raw := range []string{devAzurePrefix + rest, "https://" + rest, "https://" + rest + ".visualstudio.com/" + name} {
			require.Equal(t, orgFromParsedResourceURL(raw, project), orgFromResourceURL(raw, project), raw)
		}
	})
}
