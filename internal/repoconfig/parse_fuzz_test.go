package repoconfig_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// FuzzParse checks that Parse never panics, that every problem it reports
// has a line and a column, that an invalid file yields the zero Config, and
// that the custom rules of a valid file compile. The seeds are the fixtures
// in testdata and the shapes of the bombs the limits stop.
func FuzzParse(f *testing.F) {
	fuzztest.AddFiles(f, "testdata/*.yaml")
	for _, s := range []string{
		"",
		"\ufeffversion: 1\r\nignore: [a]\r\n",
		strings.Repeat("[", 40),
		strings.Repeat("{a: ", 20),
		strings.Repeat("- ", 20) + "x\n",
		"llm:\n  instructions: |\n    [[[[\n  language: x\n",
		"custom_rules:\n- {id: a, pattern: '[\\p{L}\\p{N}]{1,1000}', message: m}\n",
		"custom_rules:\n- {id: a, pattern: '(?:(?:a{1,30}){1,30}){1,30}', message: m}\n",
		"a: &x [*x]\nignore: *x\n",
		"--- \n...\n---\nversion: 1\n",
		"llm: {max_requests: 0}\nlimits: {max_files: 0, max_lines: 0}\n",
		"llm: {max_requests: 99999999999999999999}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := repoconfig.Parse(data)
		if err != nil {
			var cfgErr *repoconfig.Error
			require.ErrorAs(t, err, &cfgErr)
			require.NotEmpty(t, cfgErr.Problems)
			for _, p := range cfgErr.Problems {
				require.Positive(t, p.Line, "%s", p)
				require.Positive(t, p.Column, "%s", p)
			}
			require.Equal(t, repoconfig.Config{}, cfg)
			return
		}
		require.LessOrEqual(t, len(cfg.Custom), repoconfig.MaxCustomRules)
		_, err = cfg.CustomRules()
		require.NoError(t, err)
	})
}
