package worker

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/markdown"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// Config tunes a [Worker]. Zero values take the documented defaults.
type Config struct {
	// OrgURL is the organisation this worker reviews for. Events naming
	// another organisation are acknowledged and ignored.
	OrgURL string
	// ReviewTimeout bounds one review, Azure DevOps calls included. The
	// reviewers must finish a quarter of it before the review's deadline;
	// one still running then is stopped and listed as failed, and what the
	// others found is posted. Default 10 minutes.
	ReviewTimeout time.Duration
	// FetchConcurrency bounds the files one review reads and diffs at
	// once: versions taken from a bulk read's zip or, where that fails,
	// read by path (see azdo.Client.ReadFiles). Default 8.
	FetchConcurrency int
	// MaxFiles is the most changed files one review reads; the rest are
	// listed as skipped in the summary. Default 1000.
	MaxFiles int
	// Diff tunes the diff (context lines, largest file).
	Diff reviewer.DiffOptions
	// Reviewers run on every pull request. Default: the built-in rules.
	Reviewers []reviewer.Reviewer
	// Logger receives progress and outcomes. Default slog.Default().
	Logger *slog.Logger
	// Analyzers are external tools run over the changed files of every
	// review (configured by the operator, never by a repository).
	Analyzers []analyzers.Analyzer
	// RepoDefaults are the organisation's defaults for .azreviewer.yaml;
	// each repository's file overrides them (repoconfig.Merge).
	RepoDefaults repoconfig.Config
	// ProjectDefaults override RepoDefaults for a project, by its name in
	// lower case; a repository's file overrides them in turn.
	ProjectDefaults map[string]repoconfig.Config
	// MaxThreads is the most finding threads one review has: the most
	// severe findings first, a finding already posted keeping its thread and
	// its place; the others are counted in the summary by severity. Default
	// 25.
	MaxThreads int
	// CommentAllowedHosts are the hosts a reviewer's text (an LLM's or an
	// analyzer's message) may link to in a comment: "docs.example.com", or
	// "*.example.com" for subdomains. Default none: every URL is shown as
	// text. Images are never shown.
	CommentAllowedHosts []string
	// BlockingSeverity: while open findings at or above it remain, the
	// pull-request status azreviewer/review is failed. Default error.
	BlockingSeverity reviewer.Severity
	// Coordinator serializes reviews of a pull request across workers and
	// remembers what was reviewed. Nil: no serialization, and every request
	// is reviewed in full (threads are still never duplicated).
	Coordinator Coordinator
	// LeaseWait is how long a request waits, holding a worker slot, for
	// another worker's review of the same pull request before it is put back
	// on the stream for later (with a growing delay). Default 30 s.
	LeaseWait time.Duration
	// LeaseRefresh is how often a held lease is refreshed; keep it well
	// under the lease bucket's TTL. Default
	// [coordination.DefaultLeaseRefresh], a third of the bucket's default
	// TTL.
	LeaseRefresh time.Duration
	// Positions reads where the review stream stands, so that a push
	// event published before a review read the iterations it reviewed is
	// skipped by the stream's order, without calling Azure DevOps (see
	// order.go). Nil: such an event is checked against the newest
	// iteration (one call), as a request that did not come from the
	// stream always is.
	Positions StreamPositions
	// Memory remembers, for the whole fleet, the findings people marked
	// won't fix (not posted again in the repository) and the model
	// commands' use (their rate limit, their tokens). Nil: no won't-fix
	// learning, and /azreviewer ask and describe are refused.
	Memory Memory
	// CommandLimit is how many /azreviewer ask and describe commands one
	// pull request gets per CommandWindow. Default [DefaultCommandLimit];
	// CommandWindow default [DefaultCommandWindow].
	CommandLimit  int
	CommandWindow time.Duration
	// LLMBudget is how many model requests the organisation's reviews and
	// model commands send, between them, per LLMBudgetWindow across the
	// fleet, counted in Memory (without Memory there is none). A review
	// reserves the requests it is about to send; past the budget it goes
	// on without the model, whose files are left unjudged, and a command
	// is answered with when the next is possible. Default
	// [DefaultLLMBudget]; negative: no budget. LLMBudgetWindow default
	// [DefaultLLMBudgetWindow].
	LLMBudget       int
	LLMBudgetWindow time.Duration
	// HeadBytes bounds the head versions one review keeps from its bulk
	// read for the reviewers that read them again (external analyzers, the
	// model's head-file window), so that those cost no call; past it they
	// are read by path. Nothing is kept when no such reviewer runs.
	// Default [DefaultHeadBytes]; negative: none kept.
	HeadBytes int
	// ThreadListPeriod is the longest a pull request's reviews go by the
	// review state's thread index alone: the first review after it reads
	// the whole thread list again, which learns the won't-fix statuses
	// people set on threads whose finding is still there and refreshes
	// the index. Default [DefaultThreadListPeriod]; negative: never for
	// this reason (the list is still read on /azreviewer review, a
	// redelivery, an unfinished post, or without an index).
	ThreadListPeriod time.Duration
	// StateClockSkew is the most Azure DevOps's clock is taken to run
	// ahead of the NATS server's. A review that finds no state for a pull
	// request created more than this after the state bucket's epoch
	// (coordination.Store.StateEpoch) knows azreviewer has no thread there
	// and does not read the thread list; the two times come from the two
	// clocks. Default [DefaultStateClockSkew]; negative: the list is read
	// whenever there is no state.
	StateClockSkew time.Duration
	// FirstReviewWindow is how recently, by this worker's clock, a pull
	// request must have been created for a review that finds no state to
	// skip its thread list (with StateClockSkew). A pull request's first
	// review follows its creation within moments; one that comes later —
	// webhooks lost, a backlog, or a state bucket that did not see the
	// reviews of an earlier one (a standby cluster after a fail-over,
	// another fleet) — reads the list. Default
	// [DefaultFirstReviewWindow]; negative: the list is read whenever there
	// is no state.
	FirstReviewWindow time.Duration
}

// DefaultStateClockSkew is the default of [Config.StateClockSkew]: far
// beyond the skew of clocks kept by NTP, and still it costs little, since
// only the pull requests created in the first hour after an epoch (a new
// or purged state bucket) are reviewed as if they might hold azreviewer's
// threads.
const DefaultStateClockSkew = time.Hour

// DefaultFirstReviewWindow is the default of [Config.FirstReviewWindow]:
// far longer than a webhook's way to its first review, short enough that a
// state bucket which did not see an earlier bucket's reviews is trusted
// only for the pull requests created in the last hour before it took over.
const DefaultFirstReviewWindow = time.Hour

// Defaults of the organisation's model request budget.
const (
	// DefaultLLMBudget is the default of [Config.LLMBudget]: 250 reviews
	// an hour that each send the default most requests (8), far more than
	// an organisation's pushes, while it bounds the estimated prompt
	// tokens a flood of pushes or commands can spend to some 24 million
	// an hour at the default request size (12,000).
	DefaultLLMBudget = 2000
	// DefaultLLMBudgetWindow is the default of [Config.LLMBudgetWindow].
	DefaultLLMBudgetWindow = time.Hour
)

// DefaultThreadListPeriod is the default of [Config.ThreadListPeriod].
const DefaultThreadListPeriod = 24 * time.Hour

// DefaultHeadBytes is the default of [Config.HeadBytes].
const DefaultHeadBytes = 32 << 20

func (c Config) withDefaults() Config {
	c.ReviewTimeout = cmp.Or(c.ReviewTimeout, 10*time.Minute)
	c.FetchConcurrency = cmp.Or(c.FetchConcurrency, 8)
	c.MaxFiles = cmp.Or(c.MaxFiles, 1000)
	c.MaxThreads = cmp.Or(c.MaxThreads, 25)
	c.BlockingSeverity = cmp.Or(c.BlockingSeverity, reviewer.SeverityError)
	c.LeaseWait = cmp.Or(c.LeaseWait, 30*time.Second)
	c.LeaseRefresh = cmp.Or(c.LeaseRefresh, coordination.DefaultLeaseRefresh)
	c.CommandLimit = cmp.Or(c.CommandLimit, DefaultCommandLimit)
	c.CommandWindow = cmp.Or(c.CommandWindow, DefaultCommandWindow)
	c.LLMBudget = cmp.Or(c.LLMBudget, DefaultLLMBudget)
	c.LLMBudgetWindow = cmp.Or(c.LLMBudgetWindow, DefaultLLMBudgetWindow)
	c.HeadBytes = cmp.Or(c.HeadBytes, DefaultHeadBytes)
	c.ThreadListPeriod = cmp.Or(c.ThreadListPeriod, DefaultThreadListPeriod)
	c.StateClockSkew = cmp.Or(c.StateClockSkew, DefaultStateClockSkew)
	c.FirstReviewWindow = cmp.Or(c.FirstReviewWindow, DefaultFirstReviewWindow)
	if len(c.Reviewers) == 0 {
		c.Reviewers = []reviewer.Reviewer{reviewer.Rules(), secrets.MustNew()}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate says what an operator must fix: each mistake is a
// *SettingError naming the Config field.
func (c Config) Validate() error {
	var errs []error
	if c.OrgURL == "" {
		errs = append(errs, &SettingError{Setting: "OrgURL", Reason: "the Azure DevOps organisation URL is not set"})
	}
	if c.BlockingSeverity != "" && !c.BlockingSeverity.Valid() {
		errs = append(errs, &SettingError{Setting: "BlockingSeverity", Reason: fmt.Sprintf("blocking severity %q is not one of info, warning, error", c.BlockingSeverity)})
	}
	for _, n := range []struct {
		setting, name string
		negative      bool
	}{
		{"ReviewTimeout", "review timeout", c.ReviewTimeout < 0},
		{"FetchConcurrency", "fetch concurrency", c.FetchConcurrency < 0},
		{"MaxFiles", "max files", c.MaxFiles < 0},
		{"MaxThreads", "max threads", c.MaxThreads < 0},
		{"CommandLimit", "command limit", c.CommandLimit < 0},
		{"CommandWindow", "command window", c.CommandWindow < 0},
		{"LLMBudgetWindow", "LLM budget window", c.LLMBudgetWindow < 0},
	} {
		if n.negative {
			errs = append(errs, &SettingError{Setting: n.setting, Reason: n.name + " must not be negative"})
		}
	}
	if _, err := markdown.NewPolicy(c.CommentAllowedHosts); err != nil {
		errs = append(errs, &SettingError{Setting: "CommentAllowedHosts", Reason: err.Error(), Err: err})
	}
	return errors.Join(errs...)
}

// SettingError is one mistake in a [Config]: Setting is the field's name
// ("MaxThreads"); the program that reads the configuration knows what an
// operator sets for it.
type SettingError struct {
	Setting string
	Reason  string
	Err     error
}

func (e *SettingError) Error() string { return e.Setting + ": " + e.Reason }
func (e *SettingError) Unwrap() error { return e.Err }
