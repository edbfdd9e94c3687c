package reviewer

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMatchInChunks checks that a match made in chunks, looking at the
// context every matchChunk characters, answers as a whole-line match does.
func TestMatchInChunks(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 3*matchChunk+7)
	tests := []struct {
		pattern, line string
	}{
		{`TODO\($`, long + "TODO("},
		{`TODO\(`, long},
		{`^é+x$`, long + "x"},
		{`^x`, long + "x"},
		{`é{900}x`, long + "x"},
		{`\bword\b`, long + " word"},
		{`\bword\b`, long + "word"},
		{`(?i)FIXME`, strings.Repeat("a", matchChunk-2) + "fixme" + long},
		{`\x{FFFD}`, long + "\xff"},
		{`^$`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			t.Parallel()
			re := regexp.MustCompile(tt.pattern)
			got, err := matchBounded(context.Background(), re, matchSteps, tt.line) // every line is matched in chunks
			require.NoError(t, err)
			require.Equal(t, re.MatchString(tt.line), got)
		})
	}
}
