package worker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// TestAPersonsCommentIsNotTheConfigurationComment: azreviewer finds its
// comment about .azreviewer.yaml by a marker in the text, and anyone who
// may comment can write that text (quoting azreviewer's comment copies
// it). A person's thread that carries the marker is not azreviewer's: it
// is neither edited (Azure DevOps refuses to edit another author's
// comment, which failed every review of the pull request) nor resolved
// (which closed the person's discussion).
func TestAPersonsCommentIsNotTheConfigurationComment(t *testing.T) {
	t.Parallel()
	head := map[string]string{"/app.js": "let a = 1;\n"}
	quoted := "> " + repoconfig.ErrorCommentMarker + "\n> **azreviewer: the configuration file is invalid**\n\nWhy is it invalid?"
	tests := []struct {
		name string
		// file is .azreviewer.yaml on the target branch.
		file string
		// wantConfigComment: azreviewer posts a comment of its own.
		wantConfigComment bool
	}{
		{"the file is invalid", "version: 3\n", true},
		{"the file is valid", "version: 1\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := map[string]string{"/.azreviewer.yaml": tt.file}
			c := setupCoordinated(t, base, withBase(base, head))
			// The person writes through the API as the web UI does.
			person, err := azdo.New(azdo.Config{OrgURL: c.sim.Org.URL(), PAT: c.sim.NewPAT(c.sim.Author)})
			require.NoError(t, err)
			ref := azdo.PullRequestRef{Project: c.sim.Project.ID(), RepositoryID: c.sim.Repo.ID(), ID: c.pr.ID()}
			th, err := person.CreateThread(context.Background(), ref, azdo.Thread{Status: azdo.ThreadActive, Comments: []azdo.Comment{{Content: quoted}}})
			require.NoError(t, err)
			persons := th.ID

			rep, err := c.new(t).Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeReviewed, rep.Outcome)
			own := 0
			for _, th := range c.pr.Threads() {
				if *th.Id == persons {
					require.Equal(t, azdo.ThreadActive, azdo.ThreadStatus(*th.Status), "the person's thread is theirs to close")
					require.Equal(t, quoted, *(*th.Comments)[0].Content, "the person's comment is untouched")
					continue
				}
				if th.Comments != nil && len(*th.Comments) > 0 && *(*th.Comments)[0].Author.Id == c.sim.User.ID &&
					strings.HasPrefix(*(*th.Comments)[0].Content, repoconfig.ErrorCommentMarker) {
					own++
				}
			}
			want := 0
			if tt.wantConfigComment {
				want = 1
			}
			require.Equal(t, want, own, "azreviewer's own configuration comment")
		})
	}
}
