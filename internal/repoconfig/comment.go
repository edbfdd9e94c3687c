package repoconfig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/azreviewer/azreviewer/internal/markdown"
)

// ErrorCommentMarker is a hidden HTML comment at the start of every
// [ErrorComment], so that a caller can find the comment it posted before
// (to update it rather than post another, or to resolve it once the file is
// fixed).
const ErrorCommentMarker = "<!-- azreviewer:config-error -->"

// maxCommentProblems is the largest number of problems listed in an
// ErrorComment; the rest are counted.
const maxCommentProblems = 50

// minimalExample is the valid file shown in an ErrorComment.
const minimalExample = `version: 1
severity_threshold: warning   # info, warning or error
ignore:
  - "vendor/**"
custom_rules:
  - id: no-todo
    pattern: "TODO\\("
    severity: info
    message: "Open a work item instead of a TODO."
`

// ErrorComment returns the Markdown of the one comment posted on a pull
// request whose configuration file is invalid: every problem with its line
// (err is normally an [*Error] from [Parse]; any other error is shown as
// is), the fact that the organisation's defaults were used instead, and a
// minimal valid file. file names the file as the reader should find it,
// e.g. ".azreviewer.yaml" or "/.azreviewer.yaml on main"; empty means
// [FileName]. The comment starts with [ErrorCommentMarker].
func ErrorComment(err error, file string) string {
	if file == "" {
		file = FileName
	}
	var lines []string
	var cfgErr *Error
	switch {
	case errors.As(err, &cfgErr):
		for _, p := range cfgErr.Problems {
			lines = append(lines, p.Detail())
		}
	case err != nil:
		lines = strings.Split(err.Error(), "\n")
	default:
		lines = []string{"unknown problem"}
	}
	if n := len(lines) - maxCommentProblems; n > 0 {
		lines = append(lines[:maxCommentProblems], fmt.Sprintf("… and %d more problems", n))
	}
	problems := strings.Join(lines, "\n")

	var sb strings.Builder
	sb.WriteString(ErrorCommentMarker + "\n")
	fmt.Fprintf(&sb, "**azreviewer: the configuration file %s is invalid**\n\n", markdown.Code(file))
	if len(lines) == 1 {
		sb.WriteString("It has this problem:\n\n")
	} else {
		fmt.Fprintf(&sb, "It has these %d problems:\n\n", len(lines))
	}
	fmt.Fprintf(&sb, "%s\n\n", markdown.Block("text", problems))
	sb.WriteString("This review used the organisation's default configuration instead: " +
		"none of the file's settings were applied. Fix the file on the target branch and the next review will use it.\n\n")
	sb.WriteString("A minimal valid file, for reference:\n\n")
	fmt.Fprintf(&sb, "```yaml\n%s```\n", minimalExample)
	return sb.String()
}
