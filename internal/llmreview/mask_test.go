package llmreview_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// TestPromptHasNoSecret: a secret a built-in rule finds never reaches the
// model (issue 8, part 3) — whether the line is added, deleted or context,
// in the description, or under an azreviewer:ignore comment.
func TestPromptHasNoSecret(t *testing.T) {
	t.Parallel()
	const (
		awsKey   = "AKIAQ7N3WXYZ4R2MPLKD"
		password = "Tr0ub4dor-and-3-more"
		pemBody  = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
		oldKey   = "AKIAZZ6KQ2M4X7WVBNCE"
		descKey  = "AKIAJ4PLM2QX5DT6RWEE"
	)
	base := "package conf\n\nvar old = \"" + oldKey + "\"\n\nconst dbPassword = \"" + password + "\"\n\nfunc f() {}\n"
	head := "package conf\n\nvar key = \"" + awsKey + "\" // azreviewer:ignore\n\nconst dbPassword = \"" + password + "\"\n\n" +
		"const pem = `-----BEGIN RSA PRIVATE KEY-----\n" + pemBody + "\n-----END RSA PRIVATE KEY-----`\n\nfunc f() {}\n"
	pr := &reviewer.PullRequest{
		Title:       "Rotate keys",
		Description: "Uses " + descKey + " for now.\nNothing else.",
		Files: []reviewer.FileDiff{
			reviewer.Diff("conf/conf.go", "", reviewer.ChangeEdit, []byte(base), []byte(head), reviewer.DiffOptions{Context: 3}),
		},
	}
	srv := newFakeLLM(t, func(w http.ResponseWriter, _ *http.Request, _ int, _ chatRequest) { answer(w) })
	_, err := newReviewer(t, srv, nil).Review(testCtx(t), pr)
	require.NoError(t, err)

	reqs := srv.recorded()
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		prompt := r.Body.message("system") + "\n" + r.Body.message("user")
		for _, secret := range []string{awsKey, password, pemBody, oldKey, descKey} {
			require.NotContains(t, prompt, secret)
		}
		require.Contains(t, prompt, "func f() {}", "lines without a secret are sent")
		require.Contains(t, prompt, "Nothing else.")
		require.True(t, strings.Contains(prompt, "hidden"), "masked lines are marked")
	}
	var original strings.Builder
	for _, h := range pr.Files[0].Hunks {
		for _, l := range h.Lines {
			original.WriteString(l.Text + "\n")
		}
	}
	require.Contains(t, original.String(), awsKey, "the caller's pull request is not modified")
}
