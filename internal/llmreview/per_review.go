package llmreview

import (
	"context"
	"strings"
	"sync"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// ForReview returns a reviewer for one pull request: this one's client and
// settings, with the repository's extra instructions appended to the
// organisation's and its comment language (empty: unchanged). It also
// remembers the review's Stats for [PerReview.Notes]. Use a new one per
// review. It makes the Reviewer a [reviewer.Instructable].
func (r *Reviewer) ForReview(instructions, language string) reviewer.Reviewer {
	return r.PerReview(instructions, language)
}

// PerReview is [Reviewer.ForReview] with its concrete type.
func (r *Reviewer) PerReview(instructions, language string) *PerReview {
	c := *r
	if instructions != "" {
		c.cfg.ExtraInstructions = strings.TrimSpace(c.cfg.ExtraInstructions + "\n\n" + instructions)
	}
	if language != "" {
		c.cfg.Language = language
	}
	c.system = systemPrompt(c.cfg)
	return &PerReview{r: &c, instructions: strings.TrimSpace(instructions) != ""}
}

// PerReview is a reviewer for one pull request; see [Reviewer.ForReview].
type PerReview struct {
	r  *Reviewer
	mu sync.Mutex
	// instructions: the repository's llm.instructions were given.
	instructions bool
	ctx          ReviewContext
	stats        Stats
	ran          bool
}

var (
	_ reviewer.Instructable = (*Reviewer)(nil)
	_ reviewer.Noter        = (*PerReview)(nil)
	_ reviewer.Partial      = (*PerReview)(nil)
	_ reviewer.Judge        = (*PerReview)(nil)
	_ reviewer.Varying      = (*PerReview)(nil)
)

// Name returns "llm".
func (p *PerReview) Name() string { return p.r.Name() }

// Review implements [reviewer.Reviewer] and keeps the Stats.
func (p *PerReview) Review(ctx context.Context, pr *reviewer.PullRequest) ([]reviewer.Finding, error) {
	p.mu.Lock()
	rc := p.ctx
	p.mu.Unlock()
	findings, stats, err := p.r.review(ctx, pr, rc)
	if p.instructions {
		stats.Context.Instructions = append([]string{"llm.instructions"}, stats.Context.Instructions...)
	}
	if strings.TrimSpace(rc.Guidance) != "" {
		stats.Context.Instructions = append(stats.Context.Instructions, rc.GuidanceSource)
	}
	p.mu.Lock()
	p.stats, p.ran = stats, true
	p.mu.Unlock()
	return findings, err
}

// Notes is one line for the review's summary: requests, tokens, failures
// and dropped findings, the context sent and, when the review's limit of
// requests left files out, those files ([Stats.NotSentNote]); "" before
// Review.
func (p *PerReview) Notes() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ran {
		return ""
	}
	note := "LLM: " + p.stats.String() + "; context sent: " + p.stats.Context.String()
	if more := p.stats.NotSentNote(); more != "" {
		note += ". " + more
	}
	return note
}

// Unjudged lists the files of the review the model did not judge in full,
// each with the rules "llm/…" ([Name]): those the limit of requests left
// out, then those it left out in part ([Stats.NotSent],
// [Stats.PartlySent]), then those of a request that failed
// ([Stats.FailedFiles]), each once; nil before Review. It makes the
// PerReview a [reviewer.Partial].
func (p *PerReview) Unjudged() []reviewer.Unjudged {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []reviewer.Unjudged
	seen := map[string]bool{}
	for _, list := range [][]string{p.stats.NotSent, p.stats.PartlySent, p.stats.FailedFiles} {
		for _, path := range list {
			if !seen[path] {
				seen[path] = true
				out = append(out, reviewer.Unjudged{Path: path, Rules: Name})
			}
		}
	}
	return out
}

// Judges reports whether rule is the model's ("llm/" and a category):
// the model is shown every file it is sent, the files it was not apart
// ([PerReview.Unjudged]). It makes the PerReview a [reviewer.Judge].
func (p *PerReview) Judges(rule, _ string) bool { return strings.HasPrefix(rule, Name+"/") }

// Varies is [Reviewer.Varies]. It makes the PerReview a
// [reviewer.Varying].
func (p *PerReview) Varies() bool { return p.r.Varies() }

// Ask is [Reviewer.Ask] in this review's comment language.
func (p *PerReview) Ask(ctx context.Context, q Question) (Answer, error) { return p.r.Ask(ctx, q) }

// Describe is [Reviewer.Describe] in this review's comment language.
func (p *PerReview) Describe(ctx context.Context, pr *reviewer.PullRequest, instructions string) (Answer, error) {
	return p.r.Describe(ctx, pr, instructions)
}
