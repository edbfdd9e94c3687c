package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Won't-fix learning: a finding thread of azreviewer's that a person set to
// won't fix or by design is remembered for the repository (rule, path glob,
// normalised text; coordination.Memory) and that finding is not posted again on
// later pull requests of the repository, until /azreviewer unsuppress.

// PropStatusBy marks a thread whose status azreviewer itself set (the
// ignore command's won't fix): such a thread teaches nothing.
const PropStatusBy = "azreviewer.status_by"

// statusByAzreviewer is PropStatusBy's value.
const statusByAzreviewer = "azreviewer"

// CommandUnsuppress undoes one won't-fix suppression of the repository:
// /azreviewer unsuppress <id>.
const CommandUnsuppress = "unsuppress"

// maxSuppressedListed is the most suppression ids the summary names.
const maxSuppressedListed = 10

// Memory keeps what the fleet learns beyond one review;
// *coordination.Memory implements it.
type Memory interface {
	Suppressions(ctx context.Context, repositoryID string) ([]coordination.Suppression, error)
	Remember(ctx context.Context, repositoryID string, learned []coordination.Suppression) ([]coordination.Suppression, error)
	Forget(ctx context.Context, repositoryID, id string) (coordination.Suppression, bool, error)
	Take(ctx context.Context, repositoryID string, pullRequest, limit int, window time.Duration, now time.Time) (bool, time.Time, error)
	Spent(ctx context.Context, repositoryID string, pullRequest int, promptTokens, completionTokens int64) error
	Usage(ctx context.Context, repositoryID string, pullRequest int) (coordination.Usage, error)
	Reserve(ctx context.Context, org string, n, limit int, window time.Duration, now time.Time) (coordination.BudgetGrant, error)
	Return(ctx context.Context, org string, n int, at time.Time, window time.Duration) error
}

// suppressed is a finding left out because of an earlier won't-fix.
type suppressed struct {
	finding reviewer.Finding
	id      string
}

// learnable reports whether findings of rule may be suppressed: never a
// secret's — a credential is reported wherever it appears.
func learnable(rule string) bool { return !strings.HasPrefix(rule, "secret/") }

// suppress drops the findings an earlier won't-fix of the repository
// covers and returns the rest with those dropped. Without a Memory, or when
// it cannot be read, nothing is dropped (reporting more rather than less).
func (r *reviewRun) suppress(ctx context.Context, findings []reviewer.Finding) ([]reviewer.Finding, []suppressed) {
	mem := r.w.cfg.Memory
	if mem == nil || len(findings) == 0 {
		return findings, nil
	}
	known, err := mem.Suppressions(ctx, r.req.RepositoryID)
	if err != nil {
		r.w.cfg.Logger.WarnContext(ctx, "won't-fix memory not read; nothing suppressed", "error", err)
		return findings, nil
	}
	if len(known) == 0 {
		return findings, nil
	}
	var out []suppressed
	kept := slices.DeleteFunc(slices.Clone(findings), func(f reviewer.Finding) bool {
		if !learnable(f.Rule) {
			return false
		}
		text := RenderFinding(f, r.w.links)
		for _, s := range known {
			if s.Matches(f.Rule, f.Path, text) {
				out = append(out, suppressed{finding: f, id: s.ID})
				return true
			}
		}
		return false
	})
	return kept, out
}

// remembered is post's hook: it learns from the threads people set to won't
// fix or by design, puts back the suppressed findings that already have a
// thread on this pull request (a suppression is for findings not posted
// yet: a thread here is never marked fixed because of one), and adds the
// summary's lines about suppressions and model commands.
func (r *reviewRun) remembered(ctx context.Context, existing []azdo.Thread, posted map[string]bool, result reviewer.Result, notes []string) (reviewer.Result, []string) {
	if r.w.cfg.Memory == nil {
		return result, notes
	}
	r.learn(ctx, existing)
	var ids []string
	n := 0
	for _, s := range r.suppressed {
		if slices.ContainsFunc(s.finding.Fingerprints(), func(fp string) bool { return posted[fp] }) {
			result.Findings = append(result.Findings, s.finding)
			continue
		}
		n++
		if !slices.Contains(ids, s.id) {
			ids = append(ids, s.id)
		}
	}
	if n > 0 {
		listed := ids[:min(len(ids), maxSuppressedListed)]
		more := ""
		if len(ids) > len(listed) {
			more = fmt.Sprintf(" and %d more", len(ids)-len(listed))
		}
		notes = append(notes, fmt.Sprintf("%s suppressed by earlier won't-fix (`%s`%s); `/azreviewer unsuppress <id>` undoes one.",
			plural(n, "finding"), strings.Join(listed, "`, `"), more))
	}
	if note := r.w.commandsNote(ctx, r.req.RepositoryID, r.ref.ID); note != "" {
		notes = append(notes, note)
	}
	return result, notes
}

// learn remembers the finding threads of azreviewer's that a person set to
// won't fix or by design. What tells a person's status change from
// azreviewer's: azreviewer sets won't fix only through the ignore command,
// which marks the thread with PropStatusBy; Azure DevOps says nothing of
// who changed a thread's status. The thread's first comment must be
// azreviewer's own (a person can copy the properties, not the author).
func (r *reviewRun) learn(ctx context.Context, existing []azdo.Thread) {
	var candidates []azdo.Thread
	for _, t := range existing {
		if t.Deleted || t.Properties[PropFingerprint] == "" || t.Properties[PropStatusBy] == statusByAzreviewer || len(t.Comments) == 0 || t.FilePath == "" {
			continue
		}
		if (t.Status == azdo.ThreadWontFix || t.Status == azdo.ThreadByDesign) && learnable(t.Properties[PropRule]) {
			candidates = append(candidates, t)
		}
	}
	if len(candidates) == 0 {
		return
	}
	me, err := r.w.self(ctx)
	if err != nil {
		r.w.cfg.Logger.WarnContext(ctx, "won't-fix threads not learned: own identity unknown", "error", err)
		return
	}
	now := time.Now()
	var learned []coordination.Suppression
	for _, t := range candidates {
		if !strings.EqualFold(t.Comments[0].AuthorID, me.ID) {
			continue
		}
		learned = append(learned, coordination.NewSuppression(t.Properties[PropRule], t.FilePath, t.FirstComment(), r.ref.ID, t.ID, string(t.Status), now))
	}
	if len(learned) == 0 {
		return
	}
	added, err := r.w.cfg.Memory.Remember(ctx, r.req.RepositoryID, learned)
	if err != nil {
		r.w.cfg.Logger.WarnContext(ctx, "won't-fix threads not learned", "error", err)
		return
	}
	for _, s := range added {
		r.w.cfg.Logger.InfoContext(ctx, "won't-fix learned", "suppression", s.ID, "rule", s.Rule, "path_glob", s.PathGlob, "thread", s.Thread)
	}
}

// unsuppress forgets one suppression of the repository and says so.
func (w *Worker) unsuppress(ctx context.Context, ref azdo.PullRequestRef, c commandContext) (Report, bool, error) {
	if w.cfg.Memory == nil {
		return w.reply(ctx, ref, c.comment, "Won't-fix learning is not available: this worker has no memory bucket.")
	}
	id := strings.ToLower(strings.TrimSpace(firstField(c.args)))
	if id == "" || len(id) > 40 || strings.Trim(id, "0123456789abcdef") != "" {
		return w.reply(ctx, ref, c.comment, "Write the id the summary lists: `/azreviewer unsuppress <id>`.")
	}
	s, found, err := w.cfg.Memory.Forget(ctx, ref.RepositoryID, id)
	if err != nil {
		return Report{}, false, err
	}
	if !found {
		return w.reply(ctx, ref, c.comment, fmt.Sprintf("There is no suppression %s in this repository.", markdown.Code(id)))
	}
	return w.reply(ctx, ref, c.comment, fmt.Sprintf("Suppression %s removed: %s findings on %s like the one marked %s are reported again from the next review.",
		markdown.Code(s.ID), markdown.Code(markdown.Clip(s.Rule, maxRuleRunes)), markdown.Code(markdown.Clip(s.PathGlob, maxPathRunes)), markdown.Text(statusWords(s.Status))))
}

// statusWords names a thread status for people.
func statusWords(status string) string {
	switch azdo.ThreadStatus(status) {
	case azdo.ThreadByDesign:
		return "by design"
	default:
		return "won't fix"
	}
}

// firstField is the first white-space separated word of s.
func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}
