package worker

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// The commands that ask the model.
const (
	// CommandAsk answers a question in its thread: /azreviewer ask <question>.
	CommandAsk = "ask"
	// CommandDescribe posts (or updates) one thread describing the change.
	CommandDescribe = "describe"
)

// PropDescription marks azreviewer's description thread; its value is the
// iteration described.
const PropDescription = "azreviewer.description"

// Defaults of the model commands' rate limit.
const (
	// DefaultCommandLimit is how many ask and describe commands one pull
	// request gets per CommandWindow.
	DefaultCommandLimit = 10
	// DefaultCommandWindow is the rate limit's window.
	DefaultCommandWindow = time.Hour
)

// Bounds of the model commands' text.
const (
	// maxAnswerRunes bounds an answer or a description as posted.
	maxAnswerRunes = 6000
	// maxParagraphs bounds the paragraphs (and list items) posted.
	maxParagraphs = 30
)

// guidanceFiles are the repository's guidance files, the first found on
// the target branch used.
var guidanceFiles = [...]string{"/AGENTS.md", "/.azreviewer/instructions.md"}

// commandContext is a command with what follows its verb.
type commandContext struct {
	req     *events.ReviewRequest
	comment *events.CommentRef
	// args is the rest of the command's line and the lines after it.
	args string
}

// commandArgs returns what follows "/azreviewer <verb>" on the first
// command line, with the lines after it.
func commandArgs(content string) string {
	lines := strings.Split(content, "\n")
	for i, line := range lines {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.EqualFold(fields[0], commandPrefix) {
			continue
		}
		rest := strings.TrimSpace(line)[len(fields[0]):]
		rest = strings.TrimSpace(rest)
		if len(fields) > 1 {
			rest = strings.TrimSpace(rest[len(fields[1]):])
		}
		return strings.TrimSpace(rest + "\n" + strings.Join(lines[i+1:], "\n"))
	}
	return ""
}

// assistant is the first of the worker's Reviewers that is an
// reviewer.Assistant (the LLM reviewer), if any.
func (w *Worker) assistant() (reviewer.Assistant, bool) {
	for _, r := range w.cfg.Reviewers {
		if a, ok := reviewer.As[reviewer.Assistant](r); ok {
			return a, true
		}
	}
	return nil, false
}

// inLanguage is a in the repository's comment language, when a takes one.
func inLanguage(a reviewer.Assistant, cfg repoconfig.Config) reviewer.Assistant {
	if in, ok := reviewer.As[reviewer.Instructable](a); ok && cfg.LLM.Language != "" {
		if pa, ok := reviewer.As[reviewer.Assistant](in.ForReview("", cfg.LLM.Language)); ok {
			return pa
		}
	}
	return a
}

// reviewBudget is the organisation's budget for one review's model
// requests; nil (no budget) stays an untyped nil.
func (w *Worker) reviewBudget() reviewer.Budget {
	if b := w.llmBudget(budgetReview); b != nil {
		return b
	}
	return nil
}

// admit checks that a model command can run on the pull request: a model,
// not turned off by the repository's configuration, the memory bucket, and
// room under the rate limit (a slot is taken then) and under the
// organisation's LLM budget (a request is reserved then). It returns the reply
// that refuses it ("" when admitted).
func (w *Worker) admit(ctx context.Context, ref azdo.PullRequestRef, cfg repoconfig.Config) (reviewer.Assistant, string, error) {
	a, ok := w.assistant()
	if !ok {
		return nil, "No language model is configured for azreviewer, so it cannot answer.", nil
	}
	if len(cfg.Reviewers(map[string]reviewer.Reviewer{repoconfig.LLMName: a})) == 0 {
		return nil, "The language model is turned off for this repository (`reviewers: {llm: false}` in `.azreviewer.yaml`).", nil
	}
	if w.cfg.Memory == nil {
		return nil, "This worker has no memory bucket, which the model commands' rate limit needs.", nil
	}
	ok, next, err := w.cfg.Memory.Take(ctx, ref.RepositoryID, ref.ID, w.cfg.CommandLimit, w.cfg.CommandWindow, time.Now())
	if err != nil {
		return nil, "", err
	}
	if !ok {
		return nil, fmt.Sprintf("This pull request had its %d model commands for now (at most %d per %s); the next is possible after %s UTC.",
			w.cfg.CommandLimit, w.cfg.CommandLimit, w.cfg.CommandWindow, next.UTC().Format("15:04")), nil
	}
	if b := w.llmBudget(budgetCommand); b != nil {
		// After the pull request's limit, which refuses without drawing
		// from the organisation's budget. A budget that cannot be read is
		// an error: the command is retried later, and the model not called.
		g, err := b.Reserve(ctx, 1)
		if err != nil {
			return nil, "", err
		}
		if g.Granted == 0 {
			return nil, budgetSpentReply(g), nil
		}
	}
	return a, "", nil
}

// ask answers the question in its thread, from the thread's file and lines
// at the pull request's head.
func (w *Worker) ask(ctx context.Context, ref azdo.PullRequestRef, c commandContext) (Report, bool, error) {
	question := strings.TrimSpace(c.args)
	if question == "" {
		return w.reply(ctx, ref, c.comment, "Write the question after the command: `/azreviewer ask <question>`.")
	}
	pr, err := w.read.PullRequest(ctx, ref)
	if err != nil {
		return Report{}, false, err
	}
	its, err := w.read.Iterations(ctx, ref)
	if err != nil {
		return Report{}, false, err
	}
	var (
		cfg    repoconfig.Config
		latest azdo.Iteration
	)
	if len(its) > 0 {
		latest = its[len(its)-1]
		if cfg, _, err = w.repoConfig(ctx, ref, cmp.Or(pr.ProjectName, c.req.ProjectName), latest, pr.TargetRef); err != nil {
			return Report{}, false, err
		}
	}
	a, refusal, err := w.admit(ctx, ref, cfg)
	if err != nil {
		return Report{}, false, err
	}
	if refusal != "" {
		return w.reply(ctx, ref, c.comment, refusal)
	}
	threads, err := w.write.Threads(ctx, ref)
	if err != nil {
		return Report{}, false, err
	}
	q := reviewer.Question{Title: pr.Title, Description: pr.Description, Question: question}
	if i := slices.IndexFunc(threads, func(t azdo.Thread) bool { return t.ID == c.comment.ThreadID }); i >= 0 {
		t := threads[i]
		q.Path, q.StartLine, q.EndLine = t.FilePath, t.Start.Line, t.End.Line
		for _, cm := range t.Comments {
			if cm.ID != c.comment.CommentID && !cm.Deleted && cm.Type != azdo.CommentSystem {
				q.Thread = append(q.Thread, cm.Content)
			}
		}
	}
	if q.Path != "" && latest.SourceCommit != "" {
		if q.File, _, err = w.read.FileAt(ctx, ref, q.Path, latest.SourceCommit); err != nil {
			return Report{}, false, err
		}
	}
	guidance, _ := w.guidance(ctx, ref, latest.TargetCommit, cfg)
	q.Instructions = strings.TrimSpace(cfg.LLM.Instructions + "\n\n" + guidance)
	ans, err := inLanguage(a, cfg).Ask(ctx, q)
	if err != nil {
		return w.reply(ctx, ref, c.comment, "The model gave no answer: "+markdown.Text(markdown.Clip(err.Error(), maxLineRunes)))
	}
	w.spent(ctx, ref, ans)
	return w.reply(ctx, ref, c.comment, RenderAnswer("Answer", ans, w.links))
}

// describe posts a description of the change as azreviewer's one
// description thread, or updates that thread in place; the author's
// description is never touched.
func (w *Worker) describe(ctx context.Context, ref azdo.PullRequestRef, c commandContext) (Report, bool, error) {
	run := &reviewRun{w: w, req: c.req, ref: ref, key: coordination.Key(c.req.RepositoryID, c.req.PullRequestID), forced: true}
	if rep, err := run.load(ctx); ended(rep, err) {
		return rep, false, err
	}
	cfg, _, err := w.repoConfig(ctx, ref, cmp.Or(run.pr.ProjectName, c.req.ProjectName), run.latest, run.pr.TargetRef)
	if err != nil {
		return Report{}, false, err
	}
	a, refusal, err := w.admit(ctx, ref, cfg)
	if err != nil {
		return Report{}, false, err
	}
	if refusal != "" {
		return w.reply(ctx, ref, c.comment, refusal)
	}
	if err := run.diff(ctx); err != nil {
		return Report{}, false, err
	}
	input, _ := run.config.Filter(&reviewer.PullRequest{Title: run.pr.Title, Description: run.pr.Description, Files: run.files})
	guidance, _ := w.guidance(ctx, ref, run.latest.TargetCommit, run.config)
	ans, err := inLanguage(a, run.config).Describe(ctx, input, strings.TrimSpace(run.config.LLM.Instructions+"\n\n"+guidance))
	if err != nil {
		return w.reply(ctx, ref, c.comment, "The model gave no description: "+markdown.Text(markdown.Clip(err.Error(), maxLineRunes)))
	}
	w.spent(ctx, ref, ans)
	text := commentText(RenderAnswer(fmt.Sprintf("Description of the change (iteration %d)", run.latest.ID), ans, w.links))

	// The lease makes find-then-write one step across workers: one thread.
	ctx, release, err := w.acquire(ctx, run.key)
	if err != nil {
		return Report{}, false, err
	}
	defer release()
	threads, err := w.write.Threads(ctx, ref)
	if err != nil {
		return Report{}, false, err
	}
	me, err := w.self(ctx)
	if err != nil {
		return Report{}, false, err
	}
	ws := &writes{tracer: w.tracer, az: w.write, ref: ref}
	defer ws.endAll()
	i := slices.IndexFunc(threads, func(t azdo.Thread) bool {
		return t.Properties[PropDescription] != "" && !t.Deleted && len(t.Comments) > 0 && strings.EqualFold(t.Comments[0].AuthorID, me.ID)
	})
	if i < 0 {
		err = ws.create(ctx, WriteDescription, azdo.Thread{Status: azdo.ThreadClosed, Comments: []azdo.Comment{{Content: text}},
			Properties: map[string]string{PropDescription: fmt.Sprint(run.latest.ID)}})
	} else {
		err = ws.updateComment(ctx, threads[i], WriteDescription, text)
		if err == nil {
			if _, err = w.write.UpdateThreadProperties(ctx, ref, threads[i].ID, map[string]string{PropDescription: fmt.Sprint(run.latest.ID)}); err != nil {
				err = azdo.WriteFailure(err)
			}
		}
	}
	if err != nil {
		return Report{}, false, err
	}
	ws.verify(ctx, true)
	return Report{Outcome: OutcomeCommand, Writes: ws.counts, Repository: run.pr.RepositoryName, Iteration: run.latest.ID}, false, nil
}

// WriteDescription is the write of the description thread.
const WriteDescription = "description"

// spent adds an answer's tokens to the pull request's usage; a failure
// only costs the summary's count.
func (w *Worker) spent(ctx context.Context, ref azdo.PullRequestRef, ans reviewer.Answer) {
	if err := w.cfg.Memory.Spent(ctx, ref.RepositoryID, ref.ID, ans.PromptTokens, ans.CompletionTokens); err != nil {
		w.cfg.Logger.WarnContext(ctx, "model command tokens not counted", "error", err)
	}
}

// commandsNote is the summary's line about the model commands of the pull
// request ("" when there were none or the memory cannot be read).
func (w *Worker) commandsNote(ctx context.Context, repositoryID string, pullRequest int) string {
	u, err := w.cfg.Memory.Usage(ctx, repositoryID, pullRequest)
	if err != nil || u.Commands == 0 {
		return ""
	}
	return fmt.Sprintf("LLM commands (ask, describe) on this pull request: %s, %d tokens (%d in, %d out).",
		plural(u.Commands, "answer"), u.PromptTokens+u.CompletionTokens, u.PromptTokens, u.CompletionTokens)
}

// RenderAnswer renders a model's text under a title: each paragraph or list
// item through the link policy, as text — no mention, markup, image or
// link to a host not allowed survives — and a line saying where it comes
// from.
func RenderAnswer(title string, ans reviewer.Answer, links markdown.Policy) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**azreviewer** · %s\n\n", markdown.Text(title))
	text := markdown.Clip(ans.Text, maxAnswerRunes)
	n := 0
	for para := range strings.SplitSeq(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		if n == maxParagraphs {
			b.WriteString("_[cut]_\n\n")
			break
		}
		n++
		if item, ok := strings.CutPrefix(para, "- "); ok {
			fmt.Fprintf(&b, "- %s\n", links.Text(item))
			continue
		}
		fmt.Fprintf(&b, "%s\n\n", links.Text(para))
	}
	if ans.Partial {
		b.WriteString("\n_The answer is incomplete: it was cut at its length limit or saw only part of the change._\n")
	}
	b.WriteString("\n_Written by a language model from the pull request's text; it may be wrong. `/azreviewer help` lists the commands._")
	return markdown.Truncate(b.String(), markdown.MaxComment)
}

// guidance reads the repository's guidance file at the target commit: the
// first of guidanceFiles found, unless llm.guidance is off. It returns its
// text and its name.
func (w *Worker) guidance(ctx context.Context, ref azdo.PullRequestRef, target string, cfg repoconfig.Config) (string, string) {
	if target == "" || !cfg.LLM.GuidanceOn() {
		return "", ""
	}
	for _, p := range guidanceFiles {
		data, found, err := w.configs.read(ctx, w.read, w.cfg.OrgURL, ref, p, target, reviewer.MaxGuidanceChars, true)
		if err != nil {
			w.cfg.Logger.WarnContext(ctx, "guidance file not read", "path", p, "error", err)
			return "", ""
		}
		if found {
			return string(data[:min(len(data), reviewer.MaxGuidanceChars+1)]), strings.TrimPrefix(p, "/")
		}
	}
	return "", ""
}

// modelContext gives this review's LLM reviewer its context: the head-file
// window, the repository's guidance, the other changed files.
func (r *reviewRun) modelContext(ctx context.Context, reviewers []reviewer.Reviewer) {
	read, text, source := false, "", ""
	for _, rv := range reviewers {
		p, ok := reviewer.As[reviewer.Contextual](rv)
		if !ok {
			continue
		}
		if !read {
			text, source = r.w.guidance(ctx, r.ref, r.latest.TargetCommit, r.config)
			read = true
		}
		p.SetContext(reviewer.ReviewContext{
			Window: r.config.LLM.Window(), Files: r.heads,
			Guidance: text, GuidanceSource: source, OtherFiles: true,
			MaxRequests: r.config.LLM.RequestLimit(),
			Budget:      r.w.reviewBudget(),
		})
	}
}
