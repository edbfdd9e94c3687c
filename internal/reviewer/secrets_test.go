package reviewer_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

func TestSecretRulesLines(t *testing.T) {
	t.Parallel()
	s := reviewer.NewSecretRules()
	tests := []struct {
		name  string
		path  string
		lines []string
		want  []bool
	}{
		{"aws key", "/a.go", []string{"x := 1", `k := "AKIAQ7N3WXYZ4R2MPLKD"`}, []bool{false, true}},
		{"documented example key", "/a.go", []string{`k := "AKIAIOSFODNN7EXAMPLE"`}, []bool{false}},
		{"suppressed and commented still found", "/a.go", []string{`// k := "AKIAQ7N3WXYZ4R2MPLKD" // azreviewer:ignore`}, []bool{true}},
		{"private key block", "/k.pem", []string{"-----BEGIN RSA PRIVATE KEY-----", "MIIEow", "-----END RSA PRIVATE KEY-----", "# after the key"}, []bool{true, true, true, false}},
		{"not a secret rule", "/a.js", []string{"console.log(1)"}, []bool{false}},
		{"tail of a key without its BEGIN line", "/notes.txt", []string{"ends here:", "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn", "ROTATEDKEYTAILSECRET==", "-----END PRIVATE KEY-----", "after"}, []bool{false, true, true, true, false}},
		{"middle of a key file", "/certs/server.key", []string{"MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn", "OLDKEYTAILSECRET"}, []bool{true, true}},
		{"ssh key file", "/home/.ssh/id_ed25519", []string{"b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"}, []bool{true}},
		{"base64 elsewhere is no key", "/a.go", []string{"SGVsbG8gd29ybGQ=", "return x"}, []bool{false, false}},
		{"no lines", "/a.go", nil, []bool{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, s.Lines(tt.path, tt.lines))
		})
	}
}
