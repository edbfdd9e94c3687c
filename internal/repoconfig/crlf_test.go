package repoconfig_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// TestParseWindowsFile checks files as Windows editors write them: CRLF
// line endings, and a UTF-8 byte order mark.
func TestParseWindowsFile(t *testing.T) {
	t.Parallel()
	lf := readFixture(t, "full.yaml")
	crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
	tests := []struct {
		name string
		data []byte
	}{
		{"crlf", crlf},
		{"bom", append([]byte("\ufeff"), lf...)},
		{"bom and crlf", append([]byte("\ufeff"), crlf...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := repoconfig.Parse(tt.data)
			require.NoError(t, err)
			require.Equal(t, fullConfig(), got)
		})
	}
	t.Run("crlf error positions", func(t *testing.T) {
		t.Parallel()
		data := bytes.ReplaceAll(readFixture(t, "invalid_severity.yaml"), []byte("\n"), []byte("\r\n"))
		_, err := repoconfig.Parse(append([]byte("\ufeff"), data...))
		require.EqualError(t, err, `.azreviewer.yaml line 3, column 21: severity_threshold: "urgent" is not one of info, warning, error`)
	})
}
