package reviewer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// PullRequest is what reviewers look at: the pull request's text and the
// diff of every changed file. Reviewers must treat it as read-only: [Run]
// shares one PullRequest between reviewers running concurrently.
type PullRequest struct {
	// Title is the pull request's title.
	Title string
	// Description is the pull request's description (Markdown).
	Description string
	// Files are the changed files, in the order the caller lists them.
	Files []FileDiff
}

// Reviewer reviews a pull request.
type Reviewer interface {
	// Name identifies the reviewer in a [Result], e.g. "rules".
	Name() string
	// Review returns the reviewer's findings, or an error when it could not
	// review (its findings are then discarded). It must honour ctx and must
	// not modify pr.
	Review(ctx context.Context, pr *PullRequest) ([]Finding, error)
}

// SkippedFile is a file that was not diffed, so no reviewer saw its lines.
type SkippedFile struct {
	// Path is the file's path.
	Path string
	// Reason is [FileDiff.Skipped], e.g. "binary file".
	Reason string
}

// Failure is a reviewer that returned an error or panicked.
type Failure struct {
	// Reviewer is the reviewer's name.
	Reviewer string
	// Err is what went wrong.
	Err error
}

// Error returns "reviewer NAME: ERR".
func (f Failure) Error() string { return fmt.Sprintf("reviewer %s: %v", f.Reviewer, f.Err) }

// Unwrap returns the reviewer's error.
func (f Failure) Unwrap() error { return f.Err }

// Result is the outcome of [Run].
type Result struct {
	// Findings are the kept findings, without duplicates, sorted by path,
	// start line and rule (then end line, severity and message).
	Findings []Finding
	// Ran names the reviewers that succeeded, in the order given to Run.
	Ran []string
	// Failed lists the reviewers that failed, in the order given to Run.
	// Their findings are discarded.
	Failed []Failure
	// Dropped counts findings discarded because not all of their lines are
	// added lines of the diff (including findings on unknown paths, on
	// skipped files, or with invalid line numbers).
	Dropped int
	// Skipped lists the files that were not diffed, in pull-request order.
	Skipped []SkippedFile
	// Unjudged lists the files a reviewer of Ran left unjudged (see
	// [Partial]), in the order of the reviewers, then as each lists them.
	Unjudged []Unjudged
	// owners are the reviewers of Ran, in order, as the owners of their
	// rules (see [Result.Coverage]).
	owners []owner
}

// Err joins the failures, or returns nil when every reviewer succeeded.
func (r Result) Err() error {
	errs := make([]error, len(r.Failed))
	for i, f := range r.Failed {
		errs[i] = f
	}
	return errors.Join(errs...)
}

// outcome is what one reviewer returned.
type outcome struct {
	name     string
	findings []Finding
	unjudged []Unjudged
	judge    Judge
	varies   bool
	err      error
}

// Run runs every reviewer concurrently on pr and merges their findings:
//
//   - a finding is kept only when all its lines, StartLine to EndLine (an
//     EndLine of 0 means StartLine), are added lines of its file's diff;
//     others are counted in Dropped, since a pull request is only commented
//     on where it changed code;
//   - offsets are filled to cover the whole lines, and ContentHash from the
//     flagged lines' text (see [Finding.Fingerprint]);
//   - identical findings are reported once, and the result is sorted, so it
//     does not depend on scheduling;
//   - findings with the same rule, path and flagged text further down a file
//     are numbered in Repeat, so each has its own fingerprint;
//   - the files a [Partial] reviewer that succeeded left unjudged are
//     listed in Unjudged, and which rules each reviewer that succeeded
//     looks for on which files is kept for [Result.Coverage].
//
// A reviewer that returns an error or panics is listed in Failed and does
// not stop the others. One that fails with a context error once ctx is done
// (it was stopped) is listed with context.Cause(ctx), which says why, rather
// than with its own wording of it. A nil pr is an empty pull request.
func Run(ctx context.Context, pr *PullRequest, reviewers ...Reviewer) Result {
	if pr == nil {
		pr = &PullRequest{}
	}
	var res Result
	for _, f := range pr.Files {
		if f.Skipped != "" {
			res.Skipped = append(res.Skipped, SkippedFile{Path: f.Path, Reason: f.Skipped})
		}
	}

	outcomes := make([]outcome, len(reviewers))
	var wg sync.WaitGroup
	for i, r := range reviewers {
		wg.Go(func() { outcomes[i] = review(ctx, pr, r) })
	}
	wg.Wait()

	idx := newDiffIndex(pr)
	for _, o := range outcomes {
		if o.err != nil {
			if ctx.Err() != nil && (errors.Is(o.err, context.Canceled) || errors.Is(o.err, context.DeadlineExceeded)) {
				o.err = context.Cause(ctx)
			}
			res.Failed = append(res.Failed, Failure{Reviewer: o.name, Err: o.err})
			continue
		}
		res.Ran = append(res.Ran, o.name)
		res.owners = append(res.owners, owner{name: o.name, judge: o.judge, varies: o.varies})
		res.Unjudged = append(res.Unjudged, o.unjudged...)
		for _, f := range o.findings {
			if idx.anchor(&f) {
				res.Findings = append(res.Findings, f)
			} else {
				res.Dropped++
			}
		}
	}
	for i := range res.Findings {
		res.Findings[i].Repeat = 0 // numbered below, whatever the reviewer said
	}
	slices.SortFunc(res.Findings, compareFindings)
	res.Findings = slices.CompactFunc(res.Findings, sameFinding)
	numberRepeats(res.Findings)
	return res
}

// sameFinding reports whether a and b are the same finding, field by field.
func sameFinding(a, b Finding) bool {
	return compareFindings(a, b) == 0 && a.Suggestion == b.Suggestion && a.Repeat == b.Repeat &&
		slices.Equal(a.FormerRules, b.FormerRules)
}

// review calls one reviewer, turning a panic into an error, and asks a
// [Partial] what it left unjudged (a panic there fails the reviewer too:
// it did not say what it judged).
func review(ctx context.Context, pr *PullRequest, r Reviewer) (o outcome) {
	if r == nil {
		o.name, o.err = "<nil>", errors.New("nil Reviewer")
		return o
	}
	o.name = fmt.Sprintf("%T", r) // in case Name panics
	defer func() {
		if p := recover(); p != nil {
			o.findings, o.err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	o.name = r.Name()
	o.findings, o.err = r.Review(ctx, pr)
	if p, ok := As[Partial](r); ok && o.err == nil {
		o.unjudged = p.Unjudged()
	}
	o.judge, _ = As[Judge](r)
	if v, ok := As[Varying](r); ok {
		o.varies = v.Varies()
	}
	return o
}

// compareFindings orders findings by path, start line and rule, then by the
// remaining fields so that the order is total.
func compareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.StartLine, b.StartLine),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.EndLine, b.EndLine),
		cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
		cmp.Compare(a.Severity, b.Severity),
		cmp.Compare(a.Message, b.Message),
		cmp.Compare(a.StartOffset, b.StartOffset),
		cmp.Compare(a.EndOffset, b.EndOffset),
		cmp.Compare(a.ContentHash, b.ContentHash),
	)
}
