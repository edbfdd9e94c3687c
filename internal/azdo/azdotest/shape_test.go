package azdotest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

func TestCompareShape(t *testing.T) {
	t.Parallel()
	thread := azdotest.ShapeRules{Maps: []string{"properties"}, Enums: []string{"status", "properties.*.$type"}}
	tests := []struct {
		name      string
		recorded  string
		got       string
		rules     azdotest.ShapeRules
		wantDiffs []string
		wantErr   bool
	}{
		{name: "same fields, other values", recorded: `{"id":1,"name":"a","ok":true}`, got: `{"id":7,"name":"b","ok":false}`},
		{name: "extra fields are not reported", recorded: `{"id":1}`, got: `{"id":1,"more":"x"}`},
		{name: "missing field", recorded: `{"id":1,"url":"u"}`, got: `{"id":1}`, wantDiffs: []string{"url: missing (recorded: string)"}},
		{name: "null recorded says nothing", recorded: `{"id":1,"threadContext":null}`, got: `{"id":1}`},
		{name: "null answered is missing", recorded: `{"id":1}`, got: `{"id":null}`, wantDiffs: []string{"id: missing (recorded: number)"}},
		{name: "wrong type", recorded: `{"id":1}`, got: `{"id":"1"}`, wantDiffs: []string{"id: type string, recorded number"}},
		{
			name: "array elements read as their union", recorded: `{"value":[{"a":1},{"b":"x"}]}`, got: `{"value":[{"a":2,"b":"y"}]}`,
		},
		{
			name: "a field of some recorded element", recorded: `{"value":[{"a":1},{"a":1,"status":"active"}]}`, got: `{"value":[{"a":2}]}`,
			wantDiffs: []string{"value[].status: missing (recorded: string)"},
		},
		{name: "empty recorded array", recorded: `{"usersLiked":[]}`, got: `{"usersLiked":[]}`},
		{name: "array missing", recorded: `{"usersLiked":[]}`, got: `{}`, wantDiffs: []string{"usersLiked: missing (recorded: array)"}},
		{
			name: "ignored path", recorded: `{"a":{"b":1,"c":2}}`, got: `{"a":{"b":1}}`,
			rules: azdotest.ShapeRules{Ignore: map[string]string{"a.c": "not modelled"}},
		},
		{
			name: "ignored path answered", recorded: `{"a":{"b":1,"c":2}}`, got: `{"a":{"b":1,"c":3}}`,
			rules:     azdotest.ShapeRules{Ignore: map[string]string{"a.c": "not modelled"}},
			wantDiffs: []string{"a.c: ignored, but answered: drop the ignore"},
		},
		{name: "ignore without a reason", recorded: `{}`, got: `{}`, rules: azdotest.ShapeRules{Ignore: map[string]string{"a": " "}}, wantErr: true},
		{
			name: "map keys are data", rules: thread,
			recorded: `{"status":"active","properties":{"K1":{"$type":"System.String","$value":"v"}}}`,
			got:      `{"status":"active","properties":{"other":{"$type":"System.String","$value":"w"}}}`,
		},
		{
			name: "empty map", rules: thread,
			recorded: `{"properties":{}}`, got: `{}`, wantDiffs: []string{"properties: missing (recorded: object)"},
		},
		{
			name: "untyped property", rules: thread,
			recorded: `{"properties":{"k":{"$type":"System.String","$value":"v"}}}`, got: `{"properties":{"k":"v"}}`,
			wantDiffs: []string{"properties.*: type string, recorded object"},
		},
		{
			name: "enum spelling", rules: thread,
			recorded: `{"status":"active"}`, got: `{"status":"Active"}`,
			wantDiffs: []string{`status: spelled ["Active"], recorded ["active"]`},
		},
		{
			name: "typed property type", rules: thread,
			recorded:  `{"properties":{"g":{"$type":"System.String","$value":"ab"}}}`,
			got:       `{"properties":{"g":{"$type":"System.Guid","$value":"a-b"}}}`,
			wantDiffs: []string{`properties.*.$type: spelled ["System.Guid"], recorded ["System.String"]`},
		},
		{name: "not JSON", recorded: `{`, got: `{}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			diffs, err := azdotest.CompareShape([]byte(tt.recorded), []byte(tt.got), tt.rules)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantDiffs, diffs)
		})
	}
}
