package orgs_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/orgs"
)

// FuzzParse checks that Parse never panics, that an invalid file yields no
// organisation and problems that each have a message (and, but for an
// empty file, a line), and that a valid file's organisations have distinct
// normalised URLs and names and exactly one credential kind each.
func FuzzParse(f *testing.F) {
	fuzztest.AddFiles(f, "testdata/*.yaml")
	for _, s := range []string{
		"",
		"organizations:\n- url: https://dev.azure.com/a\n  credential: {pat: a}\n  projects: {P: {defaults: {ignore: ['**']}}}\n",
		"organizations:\n- &o {url: https://dev.azure.com/a, credential: {pat: a}}\n- *o\n",
		"organizations:\n- url: https://dev.azure.com/a\n  credential: {pat: [1]}\n",
		"organizations:\n- url: https://dev.azure.com/a\n  credential: !!map {pat: a}\n",
		strings.Repeat("- ", 30) + "x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := orgs.Parse(data, nil)
		if err != nil {
			var pe *orgs.Error
			require.ErrorAs(t, err, &pe)
			require.Nil(t, list)
			require.NotEmpty(t, pe.Problems)
			for _, p := range pe.Problems {
				require.NotEmpty(t, p.Message)
			}
			return
		}
		require.NotEmpty(t, list)
		urls, names := map[string]bool{}, map[string]bool{}
		for _, o := range list {
			require.NoError(t, o.Credential.Validate())
			require.False(t, urls[o.URL], o.URL)
			require.False(t, names[strings.ToLower(o.Name)], o.Name)
			urls[o.URL], names[strings.ToLower(o.Name)] = true, true
			_, ok := orgs.Find(list, o.URL)
			require.True(t, ok)
		}
	})
}
