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

// FuzzDecodeOnceMatchesEncodingJSON: whenever a body is decoded once,
// encoding/json's two steps read it too (it is valid JSON of the right
// types) and find the same envelope and the same resource as a
// pull-request event's and as a comment event's. What the one decoding
// declines, the two steps answer, so every body keeps their answer.
func FuzzDecodeOnceMatchesEncodingJSON(f *testing.F) {
	fuzztest.AddFiles(f, "testdata/*.json")
	fuzztest.AddFiles(f, "testdata/shapes/*.json")
	for _, tt := range onceCases {
		if len(tt.body) < 1<<10 { // not "too deep": mutants of it take the fuzzer's time minimising
			f.Add([]byte(tt.body))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		requireSameAsEncodingJSON(t, body)
	})
}

func requireSameAsEncodingJSON(t *testing.T, body []byte) (once bool) {
	t.Helper()
	env, ok := decodeOnce(body)
	if !ok {
		return false
	}
	require.True(t, json.Valid(body), "decoded a body encoding/json refuses: %q", body)
	ref, err := decodeEnvelope(body)
	require.NoError(t, err, "decoded a body encoding/json cannot decode: %q", body)
	require.NotNil(t, env.decoded)
	require.NotEqual(t, "null", string(ref.Resource), "decoded a body without a resource: %q", body)
	got, want := *env, *ref
	got.decoded, want.Resource = nil, nil
	require.Equal(t, want, got, "%q", body)

	var pr PullRequestResource
	require.NoError(t, json.Unmarshal(ref.Resource, &pr), "decoded a resource encoding/json cannot decode as a pull request's: %q", body)
	gotPR, err := env.PullRequest()
	require.NoError(t, err)
	require.Equal(t, pr, *gotPR, "%q", body)
	var comment CommentResource
	require.NoError(t, json.Unmarshal(ref.Resource, &comment), "decoded a resource encoding/json cannot decode as a comment event's: %q", body)
	gotComment, err := env.Comment()
	require.NoError(t, err)
	require.Equal(t, comment, *gotComment, "%q", body)
	return true
}

// onceCases are bodies that must be decoded once (once true) or left to
// encoding/json's two steps: each is where the two could part.
var onceCases = []struct {
	name string
	body string
	once bool
}{
	{"minimal", `{"id":"e","eventType":"x","resource":{}}`, true},
	{"whitespace everywhere", " \r\n\t{ \"id\" : \"e\" , \"eventType\":\"x\",\"resource\" : { } } \n", true},
	{"nulls leave fields", `{"id":"e","eventType":null,"message":null,"resourceContainers":null,"resource":{"pullRequestId":null,"repository":null,"comment":{"publishedDate":null,"author":null}}}`, true},
	{"unknown fields of any type", `{"id":"e","eventType":"x","scope":[1,-2.5e+3,true,false,null,{"a":[{}]}],"resource":{"reviewers":[{"vote":-10}],"x":"é\n"}}`, true},
	{"escaped strings", `{"id":"e\t","eventType":"x\n","resource":{"title":"café é 😀","comment":{"content":"a\\b\/c\"d"}}}`, true},
	{"non-ASCII key skipped inside an unknown value", `{"id":"e","eventType":"x","other":{"clé":1},"resource":{}}`, true},
	{"containers", `{"id":"e","eventType":"x","resourceContainers":{"collection":{"id":"c","baseUrl":"u"},"account":null,"project":{"id":"a"},"project":{"baseUrl":"b"}},"resource":{}}`, true},
	{"times", `{"id":"e","eventType":"x","resource":{"comment":{"publishedDate":"2024-06-17T11:22:33.456789Z","lastContentUpdatedDate":"2024-06-17T16:58:33+02:00"}}}`, true},
	{"large and negative integers", `{"id":"e","eventType":"x","notificationId":-9223372036854775808,"resource":{"pullRequestId":9223372036854775807,"comment":{"id":-0}}}`, true},
	{"differently cased field", `{"ID":"e","eventType":"x","resource":{}}`, true},
	{"differently cased resource field", `{"id":"e","eventType":"x","resource":{"PullRequestId":3}}`, true},
	{"differently cased resource", `{"id":"e","eventType":"x","Resource":{"pullRequestId":3}}`, true},
	{"duplicate field", `{"id":"e","id":"f","eventType":"x","resource":{}}`, true},
	{"duplicate nested field", `{"id":"e","eventType":"x","resource":{"repository":{"id":"a","id":"b"}}}`, true},
	{"duplicate object merged", `{"id":"e","eventType":"x","resource":{"repository":{"id":"a"},"repository":{"name":"b"}}}`, true},
	{"name with a Kelvin sign", "{\"id\":\"e\",\"eventType\":\"x\",\"resource\":{\"comment\":{\"_lin\u212as\":{\"threads\":{\"href\":\"h\"}}}}}", true},
	{"duplicate field differently cased", `{"id":"e","ID":"f","eventType":"x","resource":{"Comment":{"id":1},"comment":{"content":"c"}}}`, true},

	{"top level null", `null`, false},
	{"top level array", `[]`, false},
	{"empty", ``, false},
	{"no resource", `{"id":"e","eventType":"x"}`, false},
	{"null resource", `{"id":"e","eventType":"x","resource":null}`, false},
	{"resource not an object", `{"id":"e","eventType":"x","resource":"text"}`, false},
	{"duplicate resource", `{"id":"e","eventType":"x","resource":{"pullRequestId":3},"resource":{}}`, false},
	{"duplicate resource differently cased", `{"id":"e","eventType":"x","resource":{"pullRequestId":3},"RESOURCE":{}}`, false},
	{"resource named with an escape", `{"id":"e","eventType":"x","resource":{"pullRequestId":3},"r\u0065source":{}}`, false},
	{"resource named with a long s", `{"id":"e","eventType":"x","resource":{"pullRequestId":3},"reſource":{}}`, false},
	{"invalid UTF-8 in a string read", "{\"id\":\"e\xff\",\"eventType\":\"x\",\"resource\":{}}", true},
	{"invalid UTF-8 in a string skipped", "{\"id\":\"e\",\"eventType\":\"x\",\"other\":\"\xff\xfe\",\"resource\":{}}", true},
	{"unicode escape", `{"id":"e\u0031","eventType":"x","resource":{}}`, false},
	{"escaped field name", `{"\u0069d":"e","eventType":"x","resource":{}}`, false},
	{"long s in a field name", `{"id":"e","eventType":"x","resource":{"ſtatus":"abandoned"}}`, false},
	{"trailing garbage", `{"id":"e","eventType":"x","resource":{}} x`, false},
	{"two values", `{"id":"e","eventType":"x","resource":{}}{}`, false},
	{"trailing comma", `{"id":"e","eventType":"x","resource":{},}`, false},
	{"trailing comma in a skipped value", `{"id":"e","eventType":"x","n":[1,],"resource":{}}`, false},
	{"unterminated", `{"id":"e","eventType":"x","resource":{}`, false},
	{"control character in a string", "{\"id\":\"e\x01\",\"eventType\":\"x\",\"resource\":{}}", false},
	{"control character in a skipped string", "{\"id\":\"e\",\"n\":\"\x01\",\"eventType\":\"x\",\"resource\":{}}", false},
	{"bad escape", `{"id":"e\x","eventType":"x","resource":{}}`, false},
	{"bad escape in a skipped string", `{"id":"e","n":"\x","eventType":"x","resource":{}}`, false},
	{"leading zero", `{"id":"e","eventType":"x","n":01,"resource":{}}`, false},
	{"bare minus", `{"id":"e","eventType":"x","n":-,"resource":{}}`, false},
	{"fraction without digits", `{"id":"e","eventType":"x","n":1.,"resource":{}}`, false},
	{"exponent without digits", `{"id":"e","eventType":"x","n":1e+,"resource":{}}`, false},
	{"misspelt literal", `{"id":"e","eventType":"x","n":nul,"resource":{}}`, false},
	{"literal run on", `{"id":"e","eventType":"x","n":truex,"resource":{}}`, false},
	{"key not a string", `{id:"e","eventType":"x","resource":{}}`, false},
	{"string for a number", `{"id":"e","eventType":"x","notificationId":"1","resource":{}}`, false},
	{"fraction for an integer", `{"id":"e","eventType":"x","resource":{"pullRequestId":1.0}}`, false},
	{"exponent for an integer", `{"id":"e","eventType":"x","resource":{"pullRequestId":1e2}}`, false},
	{"integer overflow", `{"id":"e","eventType":"x","notificationId":9223372036854775808,"resource":{}}`, false},
	{"int overflow", `{"id":"e","eventType":"x","resource":{"comment":{"id":9223372036854775808}}}`, false},
	{"number for a string", `{"id":5,"eventType":"x","resource":{}}`, false},
	{"string for a bool", `{"id":"e","eventType":"x","resource":{"isDraft":"true"}}`, false},
	{"number for a bool", `{"id":"e","eventType":"x","resource":{"isDraft":1}}`, false},
	{"string for an object", `{"id":"e","eventType":"x","message":"hi","resource":{}}`, false},
	{"array for an object", `{"id":"e","eventType":"x","resource":{"repository":[]}}`, false},
	{"container not an object", `{"id":"e","eventType":"x","resourceContainers":{"collection":"u"},"resource":{}}`, false},
	{"containers not an object", `{"id":"e","eventType":"x","resourceContainers":[],"resource":{}}`, false},
	{"time not RFC 3339", `{"id":"e","eventType":"x","resource":{"comment":{"publishedDate":"yesterday"}}}`, false},
	{"time not a string", `{"id":"e","eventType":"x","resource":{"comment":{"publishedDate":5}}}`, false},
	{"comment field of a pull-request event's type", `{"id":"e","eventType":"x","resource":{"comment":"text"}}`, false},
	{"pull-request field of a comment event's type", `{"id":"e","eventType":"x","resource":{"pullRequestId":"3","comment":{},"pullRequest":{}}}`, false},
	{"too deep", `{"id":"e","eventType":"x","resource":{},"deep":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, false},
}

func TestDecodeOnce(t *testing.T) {
	t.Parallel()
	for _, tt := range onceCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.once, requireSameAsEncodingJSON(t, []byte(tt.body)))
		})
	}
}

// TestDecodeOnceReadsTheSamples: every sample Azure DevOps documents is
// decoded once.
func TestDecodeOnceReadsTheSamples(t *testing.T) {
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
