package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/markdown"
)

// Comment commands: a line of a pull-request comment that starts with
// "/azreviewer".
const (
	// CommandReview reviews the whole pull request again now.
	CommandReview = "review"
	// CommandIgnore, in a thread azreviewer started, stops reporting that
	// thread's rule on this pull request.
	CommandIgnore = "ignore"
	// CommandHelp answers with the list of commands.
	CommandHelp = "help"
)

const commandPrefix = "/azreviewer"

// parseCommand returns the command of the first line that starts with
// /azreviewer ("" when none; the verb, possibly unknown, otherwise).
func parseCommand(content string) (verb string, found bool) {
	for line := range strings.Lines(content) {
		fields := strings.Fields(strings.ToLower(line))
		if len(fields) > 0 && fields[0] == commandPrefix {
			if len(fields) == 1 {
				return CommandHelp, true
			}
			return fields[1], true
		}
	}
	return "", false
}

const helpText = "**azreviewer commands** — write one on a line of its own:\n\n" +
	"- `/azreviewer review`: review the whole pull request again now.\n" +
	"- `/azreviewer ignore` (in a thread azreviewer started): stop reporting that rule on this pull request.\n" +
	"- `/azreviewer ask <question>` (in any thread): the language model answers in the thread, from its file and lines.\n" +
	"- `/azreviewer describe`: the language model describes the change in one azreviewer thread (the author's description is left as it is).\n" +
	"- `/azreviewer unsuppress <id>`: report again a finding that an earlier won't fix or by design suppresses in this repository.\n" +
	"- `/azreviewer help`: this list."

// identity is the PAT's identity, read on first use and kept once read; a
// failed read is tried again on the next use. Safe for concurrent use.
type identity struct {
	mu  sync.Mutex
	who *azdo.Identity
}

// self returns the PAT's identity, reading it from Azure DevOps the first
// time; concurrent callers wait for that one read.
func (w *Worker) self(ctx context.Context) (azdo.Identity, error) {
	w.me.mu.Lock()
	defer w.me.mu.Unlock()
	if w.me.who != nil {
		return *w.me.who, nil
	}
	who, err := w.diag.WhoAmI(ctx)
	if err != nil {
		return azdo.Identity{}, err
	}
	w.me.who = &who
	return who, nil
}

// command handles a comment event. review is true when the command asks
// for a full review, which the caller then runs.
func (w *Worker) command(ctx context.Context, req *events.ReviewRequest) (rep Report, review bool, err error) {
	c := req.Comment
	verb, found := "", false
	if c != nil {
		verb, found = parseCommand(c.Content)
	}
	if !found {
		rep, err = skip(SkipNoCommand, "comment does not contain a %s command", commandPrefix)
		return rep, false, err
	}
	if c.Edited {
		rep, err = skip(SkipNoCommand, "edited comments do not run commands")
		return rep, false, err
	}
	me, err := w.self(ctx)
	if err != nil {
		return Report{}, false, err
	}
	if strings.EqualFold(c.AuthorID, me.ID) {
		rep, err = skip(SkipOwnComment, "the comment is azreviewer's own")
		return rep, false, err
	}
	ref := azdo.PullRequestRef{Project: req.ProjectID, RepositoryID: req.RepositoryID, ID: req.PullRequestID}
	switch verb {
	case CommandReview:
		return Report{}, true, nil
	case CommandIgnore:
		return w.ignore(ctx, ref, req)
	case CommandHelp:
		return w.reply(ctx, ref, c, helpText)
	case CommandAsk:
		return w.ask(ctx, ref, commandContext{req: req, comment: c, args: commandArgs(c.Content)})
	case CommandDescribe:
		return w.describe(ctx, ref, commandContext{req: req, comment: c})
	case CommandUnsuppress:
		return w.unsuppress(ctx, ref, commandContext{req: req, comment: c, args: commandArgs(c.Content)})
	default:
		return w.reply(ctx, ref, c, fmt.Sprintf("I do not know the command %s.\n\n%s", markdown.Code(commandPrefix+" "+verb), helpText))
	}
}

// ignore records the thread's rule as ignored for the pull request, marks
// the thread won't-fix, and says so.
func (w *Worker) ignore(ctx context.Context, ref azdo.PullRequestRef, req *events.ReviewRequest) (Report, bool, error) {
	key := coordination.Key(req.RepositoryID, req.PullRequestID)
	ctx, release, err := w.acquire(ctx, key)
	if err != nil {
		return Report{}, false, err
	}
	defer release()
	var rule string
	if req.Comment.ThreadID != 0 {
		t, err := w.write.Thread(ctx, ref, req.Comment.ThreadID)
		if err != nil && !azdo.IsNotFound(err) {
			return Report{}, false, err
		}
		rule = t.Properties[PropRule]
	}
	if rule == "" {
		return w.reply(ctx, ref, req.Comment, "`/azreviewer ignore` works in a thread azreviewer started: it stops reporting that thread's rule on this pull request.")
	}
	state, err := w.loadState(ctx, key)
	if err != nil {
		return Report{}, false, err
	}
	if !slices.Contains(state.IgnoredRules, rule) {
		state.IgnoredRules = append(state.IgnoredRules, rule)
		// The thread index keeps the thread as open: a review reads an
		// open thread before it resolves it or counts it for the status.
		if err := w.saveState(ctx, key, state); err != nil {
			return Report{}, false, err
		}
	}
	// Marked as azreviewer's own won't fix, so that it teaches nothing (learn).
	if _, err := w.write.UpdateThreadProperties(ctx, ref, req.Comment.ThreadID, map[string]string{PropStatusBy: statusByAzreviewer}); err != nil {
		return Report{}, false, azdo.WriteFailure(err)
	}
	if _, err := w.write.UpdateThreadStatus(ctx, ref, req.Comment.ThreadID, azdo.ThreadWontFix); err != nil {
		return Report{}, false, azdo.WriteFailure(err)
	}
	return w.reply(ctx, ref, req.Comment, fmt.Sprintf("Understood: I will no longer report %s on this pull request.", markdown.Code(rule)))
}

// reply answers the command's comment in its thread.
func (w *Worker) reply(ctx context.Context, ref azdo.PullRequestRef, c *events.CommentRef, text string) (Report, bool, error) {
	ctx, span := w.tracer.Start(ctx, "write reply")
	defer span.End()
	span.SetAttributes(attribute.String("azreviewer.write.kind", "reply"), attribute.Int("azdo.thread.id", c.ThreadID))
	if _, err := w.write.Reply(ctx, ref, c.ThreadID, c.CommentID, commentText(text)); err != nil {
		err = azdo.WriteFailure(err)
		recordFailure(span, err)
		return Report{}, false, err
	}
	span.SetAttributes(attribute.String("azreviewer.write.outcome", WriteUnverified))
	return Report{Outcome: OutcomeCommand}, false, nil
}
