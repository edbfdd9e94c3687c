package analyzers_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

func parseFixture(t *testing.T, name string) ([]analyzers.SARIFResult, error) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return analyzers.ParseSARIF(data)
}

func TestParseSARIFBasic(t *testing.T) {
	t.Parallel()
	got, err := parseFixture(t, "basic.sarif")
	require.NoError(t, err)
	require.Equal(t, []analyzers.SARIFResult{
		{RuleID: "errcheck", Severity: reviewer.SeverityError, Message: "Error return value is not checked", URI: "src/a.go", StartLine: 4, EndLine: 4},
		{RuleID: "unused", Severity: reviewer.SeverityWarning, Message: "func A is unused", URI: "src/a.go", StartLine: 3, EndLine: 3},
		{RuleID: "other", Severity: reviewer.SeverityError, Message: "not a changed file", URI: "other/b.go", StartLine: 1, EndLine: 1},
		{RuleID: "md-lines", Severity: reviewer.SeverityInfo, Message: "two lines", URI: "./docs/read%20me.md", StartLine: 1, EndLine: 2},
	}, got)
}

func TestParseSARIFRulesLevelsAndSkips(t *testing.T) {
	t.Parallel()
	got, err := parseFixture(t, "rules.sarif")
	require.NoError(t, err)
	require.Equal(t, []analyzers.SARIFResult{
		{RuleID: "by-index", Severity: reviewer.SeverityError, Message: "from **index**", URI: "a.py", StartLine: 7, EndLine: 7},
		{RuleID: "by-id", Severity: reviewer.SeverityInfo, Message: "default level from rule", URI: "a.py", StartLine: 9, EndLine: 9},
		{RuleID: "no-level", Severity: reviewer.SeverityWarning, Message: "SARIF default level", URI: "a.py", StartLine: 1, EndLine: 1},
		{RuleID: "none-level", Severity: reviewer.SeverityInfo, Message: "none", URI: "a.py", StartLine: 2, EndLine: 2},
		{RuleID: "rejected-suppression", Severity: reviewer.SeverityError, Message: "still reported", URI: "a.py", StartLine: 5, EndLine: 5},
	}, got)
}

func TestParseSARIFInvalid(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"oldversion.sarif": `version "2.0.0"`,
		"noruns.sarif":     "no runs",
	} {
		_, err := parseFixture(t, name)
		require.ErrorContains(t, err, want, name)
	}
	_, err := analyzers.ParseSARIF([]byte("not json"))
	require.ErrorContains(t, err, "invalid SARIF")
	_, err = analyzers.ParseSARIF(nil)
	require.Error(t, err)
}

// FuzzParseSARIF feeds the parser what a hostile or broken tool could
// print: it must not panic, must return results or an error (never both),
// and its output is bounded by its input: no more results than the input
// could describe, every line range ordered.
func FuzzParseSARIF(f *testing.F) {
	fuzztest.AddFiles(f, "testdata/*.sarif")
	for _, s := range []string{
		"",
		"null",
		`{"version":"2.1.0","runs":[]}`,
		`{"version":"2.1.0","runs":[{"results":[{"locations":[{}]}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"rules":[{"id":"r"}]}},"results":[{"ruleIndex":5,"locations":[{}]},{"ruleIndex":-1,"rule":{"index":0},"locations":[{}]}]}]}`,
		`{"version":"2.1.0","runs":[{"results":[{"locations":[{"physicalLocation":{"region":{"startLine":9,"endLine":2}}}]}]}]}`,
		`{"version":"2.1.0","runs":[{"results":[{"locations":[{"physicalLocation":{"region":{"startLine":-3,"endLine":-9}}}]}]}]}`,
		`{"version":"2.1.0","runs":[{"results":[{"locations":[{"physicalLocation":{"region":{"startLine":1e99}}}]}]}]}`,
		`{"version":"2.1.0","runs":null}`,
		`{"version":"2.1.0","runs":[{"results":[{"suppressions":[{}],"locations":[{}]}]}]}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`,
	} {
		f.Add([]byte(s))
	}
	// The smallest result that counts: {"locations":[{}]} plus a comma.
	const minResultBytes = len(`{"locations":[{}]},`)
	f.Fuzz(func(t *testing.T, data []byte) {
		results, err := analyzers.ParseSARIF(data)
		if err != nil {
			require.Nil(t, results)
			return
		}
		require.LessOrEqual(t, len(results), len(data)/minResultBytes+1)
		for _, r := range results {
			require.GreaterOrEqual(t, r.EndLine, r.StartLine)
			require.Contains(t, []reviewer.Severity{reviewer.SeverityError, reviewer.SeverityWarning, reviewer.SeverityInfo}, r.Severity)
			require.LessOrEqual(t, len(r.Message)+len(r.URI), len(data))
		}
	})
}
