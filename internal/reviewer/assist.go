package reviewer

import (
	"context"
	"time"
)

// What the worker and a language-model reviewer share beyond reviewing: the
// context a review's prompts get (ReviewContext), a question asked in a
// thread (Question), the model's text (Answer), and the optional
// interfaces a reviewer implements to take them ([Contextual],
// [Assistant]). They link no model SDK, so the worker reaches the model
// only through them.

// MaxGuidanceChars bounds the repository's guidance file put in a prompt;
// a longer one is cut.
const MaxGuidanceChars = 8000

// HeadFiles reads the head version of a pull request's files.
type HeadFiles interface {
	Head(ctx context.Context, path string) ([]byte, bool, error)
}

// ReviewContext is what a review's prompts show beyond the hunks: the zero
// value adds nothing. Every text in it is the repository's, untrusted.
type ReviewContext struct {
	// Window is how many lines of the head file are shown above and below
	// each hunk, beyond the diff's own context lines; 0 shows none. Files
	// reads them.
	Window int
	Files  HeadFiles
	// Guidance is the text of the repository's guidance file (AGENTS.md or
	// .azreviewer/instructions.md on the target branch); GuidanceSource
	// names it ("AGENTS.md").
	Guidance       string
	GuidanceSource string
	// OtherFiles lists, in every request, the changed files that request
	// does not show.
	OtherFiles bool
	// MaxRequests, when positive, lowers the most requests the review
	// sends (a repository's llm.max_requests); it never raises the
	// reviewer's own bound. 0 leaves that bound.
	MaxRequests int
	// Budget, when set, is what the review's model requests draw from
	// beyond the review's own bound: the reviewer reserves the requests it
	// is about to send and sends only those granted. Nil: no budget.
	Budget Budget
}

// Budget is a count of model requests shared beyond one review, such as
// an organisation's per window across a fleet of workers. A Budget is
// safe for concurrent use.
type Budget interface {
	// Reserve reserves up to n requests, all at once, before they are
	// sent, and says how many it granted. An error means none were
	// reserved and the budget could not be read: send none.
	Reserve(ctx context.Context, n int) (Grant, error)
	// Return gives back requests reserved but not sent; it is best
	// effort.
	Return(ctx context.Context, n int)
}

// Grant is what a [Budget] reserved.
type Grant struct {
	// Granted is how many of the requests asked for were reserved.
	Granted int
	// Limit requests per Window is the budget.
	Limit  int
	Window time.Duration
	// Renews, when fewer were granted than asked for, is when the budget
	// has room again.
	Renews time.Time
}

// Contextual is a reviewer, for one review, whose prompts take a
// ReviewContext; call SetContext before Review.
type Contextual interface {
	Reviewer
	SetContext(c ReviewContext)
}

// Question is a question asked in a thread with /azreviewer ask. Every
// field but Question may be empty.
type Question struct {
	// Title and Description are the pull request's.
	Title, Description string
	// Path is the thread's file, StartLine and EndLine its lines (0: a
	// thread of the whole pull request).
	Path               string
	StartLine, EndLine int
	// File is the head version of Path.
	File []byte
	// Thread are the thread's earlier comments, oldest first.
	Thread []string
	// Question is what was asked.
	Question string
	// Instructions are the repository's llm.instructions and guidance.
	Instructions string
}

// Answer is the model's text with what it cost.
type Answer struct {
	// Text is the model's answer, untrusted: render it as text.
	Text                           string
	PromptTokens, CompletionTokens int64
	// Partial: the answer was cut at its token limit, or (a description)
	// the pull request was larger than one request shows.
	Partial bool
}

// Assistant is a reviewer that also answers questions and describes
// changes.
type Assistant interface {
	Reviewer
	Ask(ctx context.Context, q Question) (Answer, error)
	// Describe describes the change in pr; instructions are the
	// repository's.
	Describe(ctx context.Context, pr *PullRequest, instructions string) (Answer, error)
}
