package servicehooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/fuzztest"
)

// FuzzOnePassMatchesEncodingJSON: whenever the one-pass decoder reads a
// body, encoding/json reads it too (it is valid JSON of the right types)
// and finds the same envelope, the same raw resource and the same resource
// as a pull-request event's and as a comment event's. What it declines,
// encoding/json answers, so every body keeps encoding/json's answer.
func FuzzOnePassMatchesEncodingJSON(f *testing.F) {
	fuzztest.AddFiles(f, "testdata/*.json")
	fuzztest.AddFiles(f, "testdata/shapes/*.json")
	for _, tt := range onePassCases {
		f.Add([]byte(tt.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		requireSameAsEncodingJSON(t, body)
	})
}

func requireSameAsEncodingJSON(t *testing.T, body []byte) (onePass bool) {
	t.Helper()
	env, ok := decodeOnePass(body)
	if !ok {
		return false
	}
	require.True(t, json.Valid(body), "read a body encoding/json refuses: %q", body)
	ref, err := decodeEnvelope(body)
	require.NoError(t, err, "read a body encoding/json cannot decode: %q", body)
	require.NotNil(t, env.decoded)
	got, want := *env, *ref
	got.decoded, want.decoded = nil, nil
	require.Equal(t, want, got)

	var pr PullRequestResource
	require.NoError(t, json.Unmarshal(ref.Resource, &pr), "read a resource encoding/json cannot decode as a pull request's")
	require.Equal(t, pr, env.decoded.pullRequest)
	var comment CommentResource
	require.NoError(t, json.Unmarshal(ref.Resource, &comment), "read a resource encoding/json cannot decode as a comment event's")
	require.Equal(t, comment, env.decoded.comment)
	return true
}

// onePassCases are bodies the one-pass decoder must read (onePass true) or
// leave to encoding/json: each is where the two could part.
var onePassCases = []struct {
	name    string
	body    string
	onePass bool
}{
	{"minimal", `{"id":"e","eventType":"x","resource":{}}`, true},
	{"whitespace everywhere", " \r\n\t{ \"id\" : \"e\" , \"eventType\":\"x\",\"resource\" : { } } \n", true},
	{"nulls leave fields", `{"id":"e","eventType":null,"message":null,"resourceContainers":null,"resource":{"pullRequestId":null,"repository":null,"comment":{"publishedDate":null,"author":null}}}`, true},
	{"unknown fields of any type", `{"id":"e","eventType":"x","scope":[1,-2.5e+3,true,false,null,{"a":[{}]}],"resource":{"reviewers":[{"vote":-10}],"x":"\u00e9\n"}}`, true},
	{"escaped and unicode strings", `{"id":"e\u0031","eventType":"x\n","resource":{"title":"caf\u00e9 é \ud83d\ude00 \ud800","comment":{"content":"a\\b\/c"}}}`, true},
	{"invalid UTF-8 in a string read", "{\"id\":\"e\xff\",\"eventType\":\"x\",\"resource\":{}}", true},
	{"invalid UTF-8 in a string skipped", "{\"id\":\"e\",\"eventType\":\"x\",\"other\":\"\xff\xfe\",\"resource\":{}}", true},
	{"non-ASCII key skipped inside an unknown value", `{"id":"e","eventType":"x","other":{"clé":1},"resource":{}}`, true},
	{"containers", `{"id":"e","eventType":"x","resourceContainers":{"collection":{"id":"c","baseUrl":"u"},"account":null,"project":{"id":"a"},"project":{"baseUrl":"b"}},"resource":{}}`, true},
	{"times", `{"id":"e","eventType":"x","resource":{"comment":{"publishedDate":"2024-06-17T11:22:33.456789Z","lastContentUpdatedDate":"2024-06-17T16:58:33+02:00"}}}`, true},
	{"large and negative integers", `{"id":"e","eventType":"x","notificationId":-9223372036854775808,"resource":{"pullRequestId":9223372036854775807,"comment":{"id":-0}}}`, true},

	{"top level null", `null`, false},
	{"top level array", `[]`, false},
	{"empty", ``, false},
	{"no resource", `{"id":"e","eventType":"x"}`, false},
	{"null resource", `{"id":"e","eventType":"x","resource":null}`, false},
	{"resource not an object", `{"id":"e","eventType":"x","resource":"text"}`, false},
	{"trailing garbage", `{"id":"e","eventType":"x","resource":{}} x`, false},
	{"two values", `{"id":"e","eventType":"x","resource":{}}{}`, false},
	{"trailing comma", `{"id":"e","eventType":"x","resource":{},}`, false},
	{"unterminated", `{"id":"e","eventType":"x","resource":{}`, false},
	{"control character in a string", "{\"id\":\"e\x01\",\"eventType\":\"x\",\"resource\":{}}", false},
	{"bad escape", `{"id":"e\x","eventType":"x","resource":{}}`, false},
	{"short unicode escape", `{"id":"e\u12","eventType":"x","resource":{}}`, false},
	{"leading zero", `{"id":"e","eventType":"x","n":01,"resource":{}}`, false},
	{"bare minus", `{"id":"e","eventType":"x","n":-,"resource":{}}`, false},
	{"fraction without digits", `{"id":"e","eventType":"x","n":1.,"resource":{}}`, false},
	{"exponent without digits", `{"id":"e","eventType":"x","n":1e+,"resource":{}}`, false},
	{"misspelt literal", `{"id":"e","eventType":"x","n":nul,"resource":{}}`, false},
	{"literal run on", `{"id":"e","eventType":"x","n":truex,"resource":{}}`, false},
	{"key not a string", `{id:"e","eventType":"x","resource":{}}`, false},
	{"differently cased field", `{"ID":"e","eventType":"x","resource":{}}`, false},
	{"differently cased resource field", `{"id":"e","eventType":"x","resource":{"PullRequestId":3}}`, false},
	{"escaped field name", `{"\u0069d":"e","eventType":"x","resource":{}}`, false},
	{"non-ASCII field name", `{"id":"e","eventType":"x","reſource":{}}`, false},
	{"duplicate field", `{"id":"e","id":"f","eventType":"x","resource":{}}`, false},
	{"duplicate resource", `{"id":"e","eventType":"x","resource":{"pullRequestId":3},"resource":{}}`, false},
	{"duplicate nested field", `{"id":"e","eventType":"x","resource":{"repository":{"id":"a","id":"b"}}}`, false},
	{"string for a number", `{"id":"e","eventType":"x","notificationId":"1","resource":{}}`, false},
	{"fraction for an integer", `{"id":"e","eventType":"x","resource":{"pullRequestId":1.0}}`, false},
	{"exponent for an integer", `{"id":"e","eventType":"x","resource":{"pullRequestId":1e2}}`, false},
	{"integer overflow", `{"id":"e","eventType":"x","notificationId":9223372036854775808,"resource":{}}`, false},
	{"number for a string", `{"id":5,"eventType":"x","resource":{}}`, false},
	{"string for a bool", `{"id":"e","eventType":"x","resource":{"isDraft":"true"}}`, false},
	{"string for an object", `{"id":"e","eventType":"x","message":"hi","resource":{}}`, false},
	{"array for an object", `{"id":"e","eventType":"x","resource":{"repository":[]}}`, false},
	{"container not an object", `{"id":"e","eventType":"x","resourceContainers":{"collection":"u"},"resource":{}}`, false},
	{"containers not an object", `{"id":"e","eventType":"x","resourceContainers":[],"resource":{}}`, false},
	{"time not RFC 3339", `{"id":"e","eventType":"x","resource":{"comment":{"publishedDate":"yesterday"}}}`, false},
	{"time not a string", `{"id":"e","eventType":"x","resource":{"comment":{"publishedDate":5}}}`, false},
	{"comment field of a pull-request event's type", `{"id":"e","eventType":"x","resource":{"comment":"text"}}`, false},
	{"too deep", `{"id":"e","eventType":"x","resource":{},"deep":` + strings.Repeat("[", maxOnePassDepth) + strings.Repeat("]", maxOnePassDepth) + `}`, false},
}

func TestOnePass(t *testing.T) {
	t.Parallel()
	for _, tt := range onePassCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.onePass, requireSameAsEncodingJSON(t, []byte(tt.body)))
		})
	}
}

// TestOnePassReadsTheSamples: every sample Azure DevOps documents is read
// in one pass.
func TestOnePassReadsTheSamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		body, err := os.ReadFile(file)
		require.NoError(t, err)
		require.True(t, requireSameAsEncodingJSON(t, body), file)
	}
}
