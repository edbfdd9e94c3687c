package worker_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/markdown/markdowntest"
	"github.com/azreviewer/azreviewer/internal/worker"
)

func TestCommentCommands(t *testing.T) {
	t.Parallel()
	c := setupCoordinated(t,
		map[string]string{"/a.js": "let a;\n"},
		map[string]string{"/a.js": "let a;\nconsole.log(a);\ndebugger;\n"})
	w := c.new(t)
	_, err := w.Review(context.Background(), c.request(events.TriggerCreated, c.pr.Head()))
	require.NoError(t, err)
	var consoleThread int
	for _, th := range c.pr.Threads() {
		if th.ThreadContext != nil && (*th.Comments)[0].Content != nil && strings.Contains(*(*th.Comments)[0].Content, "debug/console-log") {
			consoleThread = *th.Id
		}
	}
	require.NotZero(t, consoleThread)

	comment := func(thread int, author, content string, edited bool) *events.ReviewRequest {
		req := c.request(events.TriggerComment, c.pr.Head())
		req.Comment = &events.CommentRef{ThreadID: thread, CommentID: 2, AuthorID: author, Content: content, Edited: edited}
		return req
	}
	human := azdotest.Author().ID
	bot := azdotest.User().ID
	replies := func(thread int) []string {
		for _, th := range c.pr.Threads() {
			if *th.Id == thread {
				var out []string
				for _, cm := range (*th.Comments)[1:] {
					out = append(out, *cm.Content)
				}
				return out
			}
		}
		return nil
	}

	t.Run("help answers in the thread", func(t *testing.T) {
		rep, err := w.Review(context.Background(), comment(consoleThread, human, "/azreviewer help", false))
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeCommand, rep.Outcome)
		require.Contains(t, replies(consoleThread)[0], "/azreviewer ignore")
	})
	t.Run("the bot's own comments and edits trigger nothing", func(t *testing.T) {
		for _, req := range []*events.ReviewRequest{
			comment(consoleThread, bot, "/azreviewer review", false),
			comment(consoleThread, human, "/azreviewer review", true),
		} {
			before := len(c.sim.Server.Requests())
			rep, err := w.Review(context.Background(), req)
			require.NoError(t, err)
			require.Equal(t, worker.OutcomeSkipped, rep.Outcome)
			require.LessOrEqual(t, len(c.sim.Server.Requests())-before, 1, "at most the identity lookup")
		}
	})
	t.Run("ignore silences the rule on this pull request", func(t *testing.T) {
		rep, err := w.Review(context.Background(), comment(consoleThread, human, "Not in this script.\n/azreviewer ignore", false))
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeCommand, rep.Outcome)
		got := replies(consoleThread)
		require.Contains(t, got[len(got)-1], "no longer report `debug/console-log`")
		for _, th := range c.pr.Threads() {
			if *th.Id == consoleThread {
				require.Equal(t, "wontFix", string(*th.Status))
			}
		}
		// A later push with a new console.log: not reported; the debugger finding stays.
		next := c.sim.Repo.Commit(map[string]string{"/a.js": "let a;\nconsole.log(a);\ndebugger;\nconsole.log('again');\n"})
		c.pr.Push(next)
		rep, err = w.Review(context.Background(), c.request(events.TriggerUpdated, next))
		require.NoError(t, err)
		require.Equal(t, 0, rep.ThreadsPosted)
	})
	t.Run("unknown commands get the help", func(t *testing.T) {
		rep, err := w.Review(context.Background(), comment(consoleThread, human, "/azreviewer please", false))
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeCommand, rep.Outcome)
		got := replies(consoleThread)
		require.Contains(t, got[len(got)-1], "I do not know the command `/azreviewer please`")
	})
	t.Run("an unknown command is quoted safely", func(t *testing.T) {
		rep, err := w.Review(context.Background(), comment(consoleThread, human, "/azreviewer @<ALL>`\n# x", false))
		require.NoError(t, err)
		require.Equal(t, worker.OutcomeCommand, rep.Outcome)
		got := replies(consoleThread)
		require.NoError(t, markdowntest.Check(got[len(got)-1], markdown.Policy{}), got[len(got)-1])
	})
}
