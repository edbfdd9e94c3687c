package reviewer

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRuleTable checks the rule table: every entry compiles, ids are
// well-formed, messages are sentences, and every id has a fixture in
// testdata/rules that expects it at each of its entries' severities
// (entries of one id may differ in severity by confidence).
func TestRuleTable(t *testing.T) {
	t.Parallel()
	specs := ruleTable()
	_, err := newRuleSet(specs)
	require.NoError(t, err)

	var fixtures strings.Builder
	paths, err := filepath.Glob(filepath.Join("testdata", "rules", "*.txt"))
	require.NoError(t, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		fixtures.Write(data)
	}

	idFormat := regexp.MustCompile(`^[a-z]+/[a-z0-9]+(?:-[a-z0-9]+)*$`)
	for _, s := range specs {
		require.Regexp(t, idFormat, s.id)
		require.True(t, strings.HasSuffix(s.message, "."), "%s: message is a sentence", s.id)
		require.Contains(t, fixtures.String(), " "+s.id+" "+string(s.severity)+"\n", "%s has a fixture", s.id)
	}
}

// TestCompileRuleErrors: malformed entries are refused.
func TestCompileRuleErrors(t *testing.T) {
	t.Parallel()
	ok := ruleSpec{id: "x/y", severity: SeverityInfo, message: "m.", pattern: `a`}
	tests := []struct {
		name string
		edit func(*ruleSpec)
	}{
		{name: "no id", edit: func(s *ruleSpec) { s.id = "" }},
		{name: "bad severity", edit: func(s *ruleSpec) { s.severity = "fatal" }},
		{name: "no pattern", edit: func(s *ruleSpec) { s.pattern = "" }},
		{name: "bad pattern", edit: func(s *ruleSpec) { s.pattern = `(` }},
		{name: "bad end", edit: func(s *ruleSpec) { s.end = `[` }},
		{name: "upper-case hint", edit: func(s *ruleSpec) { s.hints = []string{"A"} }},
	}
	_, err := compileRule(ok)
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := ok
			tt.edit(&s)
			_, err := compileRule(s)
			require.Error(t, err)
		})
	}
}

// TestFileMatchers pins the file sets of the rules.
func TestFileMatchers(t *testing.T) {
	t.Parallel()
	jsTests := allOf(exts(".js", ".ts"), anyOf(baseContains(".test.", ".spec."), inDir("tests")))
	tests := []struct {
		path  string
		match bool
	}{
		{"/src/app.test.ts", true},
		{"/src/APP.SPEC.JS", true},
		{"/tests/login.js", true},
		{"/src/tests.js", false},
		{"/src/app.ts", false},
		{"/src/app.test.go", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.match, jsTests(newFileInfo(tt.path)), tt.path)
	}
	require.True(t, not(baseIs("main.go"))(newFileInfo("src/lib.go")))
	require.True(t, basePrefix(".env")(newFileInfo("/.env.production")))
	require.True(t, baseSuffix("_test.go")(newFileInfo("/a/b_test.go")))
}
