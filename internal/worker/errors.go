package worker

import (
	"context"
	"fmt"
	"time"
)

// droppedDiagnosis explains a write Azure DevOps acknowledged but did not
// keep.
const droppedDiagnosis = "Azure DevOps answered success to a comment write but the thread is not there when read back, so nobody sees it. " +
	"Check that the PAT owner can still see the pull request and has 'Contribute to pull requests' on the repository, and Azure DevOps' service health; " +
	"the dead letter holds the request to replay once fixed."

// DroppedWritesError is a review whose writes Azure DevOps acknowledged
// but did not keep. Retrying cannot be trusted to help, so it is permanent.
type DroppedWritesError struct {
	Dropped    int
	Repository string
}

func (e *DroppedWritesError) Error() string {
	return fmt.Sprintf("%d acknowledged thread write(s) missing when read back", e.Dropped)
}

// Class is the failure's kind for dead letters and traces.
func (e *DroppedWritesError) Class() string { return "dropped" }

// Diagnosis says what to check.
func (e *DroppedWritesError) Diagnosis() string { return droppedDiagnosis }

// ReviewersDeadlineError is why a reviewer was stopped: reviewers must
// finish within three quarters of the review timeout, the last quarter is
// kept for posting what the others found. It is the reviewer's error in
// the summary's list of reviewers that failed, and it is a
// context.DeadlineExceeded.
type ReviewersDeadlineError struct {
	// Share is the time reviewers get, ReviewTimeout is the review's.
	Share, ReviewTimeout time.Duration
}

func (e *ReviewersDeadlineError) Error() string {
	return fmt.Sprintf("stopped: it did not finish within the reviewers' %s of the review's %s timeout", e.Share, e.ReviewTimeout)
}

// Unwrap returns context.DeadlineExceeded.
func (e *ReviewersDeadlineError) Unwrap() error { return context.DeadlineExceeded }

// classified is an error that says what kind of failure it is and what to
// fix, as azdo.Error and DroppedWritesError do (and as the dead-letter copy
// records): the metrics' error_type and the failure's log line use it.
type classified interface {
	error
	Class() string
	Diagnosis() string
}
