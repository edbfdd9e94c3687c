package servicehooks_test

import (
	"testing"

	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/stretchr/testify/require"
)

func TestParseEnvelopeMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantField string
	}{
		{"empty body", ``, ""},
		{"not json", `<html>hello</html>`, ""},
		{"json array", `[1,2]`, ""},
		{"missing event type", `{"id":"x","resource":{}}`, "eventType"},
		{"missing id", `{"eventType":"git.pullrequest.created","resource":{}}`, "id"},
		{"missing resource", `{"id":"x","eventType":"git.pullrequest.created"}`, "resource"},
		{"null resource", `{"id":"x","eventType":"git.pullrequest.created","resource":null}`, "resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := servicehooks.ParseEnvelope([]byte(tt.body))
			var pe *servicehooks.PayloadError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.wantField, pe.Field)
		})
	}
}

func TestNormalizeOrgURL(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://dev.azure.com/Fabrikam/":          "https://dev.azure.com/fabrikam",
		"https://fabrikam.visualstudio.com/":       "https://dev.azure.com/fabrikam",
		"http://127.0.0.1:8081/Fabrikam%20Fiber":   "http://127.0.0.1:8081/fabrikam fiber",
		"http://127.0.0.1:8081/fabrikam%20fiber/ ": "http://127.0.0.1:8081/fabrikam fiber", //nolint:gocritic // the trailing space is the case under test
	}
	for in, want := range tests {
		require.Equal(t, want, servicehooks.NormalizeOrgURL(in), in)
	}
}
