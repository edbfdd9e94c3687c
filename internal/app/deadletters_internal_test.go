package app

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
)

// A dead letter's text — names from the webhook, an error naming a pull
// request's file — reaches the operator's terminal without its escape
// sequences or line breaks.
func TestDeadLettersTableIsPrintable(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	printDeadLetters(&out, []deadletter.Entry{{
		Seq: 1, Time: time.Now(), ErrorType: "invalid\x1b[2J",
		Error:   "read /src/\x1b]0;owned\x07evil\nname.go: not found",
		Request: &events.ReviewRequest{ProjectName: "p\u202e", RepositoryName: "r\r\n", PullRequestID: 3},
	}})
	require.NotContains(t, out.String(), "\x1b")
	require.NotContains(t, out.String(), "\x07")
	require.NotContains(t, out.String(), "\u202e")
	require.Equal(t, 2, strings.Count(out.String(), "\n"), "a header line and one line per dead letter: %q", out.String())
	require.Contains(t, out.String(), "evil name.go: not found")
}
