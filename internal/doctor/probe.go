package doctor

import (
	"context"
	"fmt"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// Prober is what the write probe calls. *azdo.Client implements it.
type Prober interface {
	PullRequest(ctx context.Context, ref azdo.PullRequestRef) (azdo.PullRequest, error)
	CreateThread(ctx context.Context, ref azdo.PullRequestRef, thread azdo.Thread) (azdo.Thread, error)
	Threads(ctx context.Context, ref azdo.PullRequestRef) ([]azdo.Thread, error)
	DeleteComment(ctx context.Context, ref azdo.PullRequestRef, threadID, commentID int) error
	UpdateThreadStatus(ctx context.Context, ref azdo.PullRequestRef, threadID int, status azdo.ThreadStatus) (azdo.Thread, error)
}

// ProbeText is the probe comment: it says what it is, so that anyone who
// sees it (its deletion refused, or notified of it) knows it can go.
const ProbeText = "azreviewer doctor write probe: this comment checks that azreviewer may comment on this pull request. doctor deletes it at once; if it is still here, it is safe to delete."

// Probe writes on the pull request ref to prove what no read can with a
// least-privilege PAT, Code (Read & Write) and Contribute to pull requests:
// it creates a comment thread saying what it is, reads it back, deletes
// the comment (or, if deletion is refused, closes the thread) and checks
// that it is gone. Each step is a check with its diagnosis; a step that
// cannot run after a failed one is skipped. It costs five calls.
func Probe(ctx context.Context, p Prober, ref azdo.PullRequestRef) []Check {
	name := func(step string) string { return fmt.Sprintf("Write probe: %s", step) }
	var checks []Check
	skipRest := func(why string, steps ...string) []Check {
		for _, s := range steps {
			checks = append(checks, Check{Name: name(s), Status: Skip, Detail: why})
		}
		return checks
	}

	pr, err := p.PullRequest(ctx, ref)
	if err != nil {
		checks = append(checks, failed(name("pull request"), err))
		return skipRest("the pull request is not readable", "create thread", "read back", "delete comment")
	}
	status := "unknown"
	if pr.Status != "" {
		status = string(pr.Status)
	}
	checks = append(checks, Check{Name: name("pull request"), Status: Pass, Detail: fmt.Sprintf("pull request %d is readable (%s)", ref.ID, status)})

	created, err := p.CreateThread(ctx, ref, azdo.Thread{Comments: []azdo.Comment{{Content: ProbeText}}})
	if err != nil {
		checks = append(checks, failed(name("create thread"), azdo.WriteFailure(err)))
		return skipRest("nothing was written", "read back", "delete comment")
	}
	threadID, commentID, ok := firstComment(created)
	if !ok {
		checks = append(checks, Check{Name: name("create thread"), Status: Fail,
			Detail: "Azure DevOps answered the write without a thread or comment id", Fix: "Check for a proxy between azreviewer and Azure DevOps, then run doctor again."})
		return skipRest("the written thread cannot be named", "read back", "delete comment")
	}
	checks = append(checks, Check{Name: name("create thread"), Status: Pass,
		Detail: fmt.Sprintf("thread %d created on pull request %d: the PAT has a write scope and its owner may contribute to pull requests", threadID, ref.ID)})

	read, dropped := readBack(ctx, p, ref, threadID, commentID, name("read back"))
	checks = append(checks, read)
	if dropped {
		return skipRest("the thread is not there to delete", "delete comment")
	}
	return append(checks, removeProbe(ctx, p, ref, threadID, commentID, name("delete comment")))
}

// readBack finds the probe's thread and comment among the pull request's
// threads; dropped says they are not there though the write was answered
// 200.
func readBack(ctx context.Context, p Prober, ref azdo.PullRequestRef, threadID, commentID int, name string) (c Check, dropped bool) {
	threads, err := p.Threads(ctx, ref)
	if err != nil {
		return failed(name, err), false
	}
	cm, found := findComment(threads, threadID, commentID)
	switch {
	case !found:
		return Check{Name: name, Status: Fail,
			Detail: fmt.Sprintf("thread %d is not among the pull request's threads though its creation was answered 200", threadID),
			Fix:    "Azure DevOps acknowledged a write it did not keep: check for a proxy or policy between azreviewer and Azure DevOps, and run doctor again."}, true
	case cm.Content != ProbeText:
		return Check{Name: name, Status: Pass, Detail: fmt.Sprintf("thread %d is there, its text stored other than sent", threadID)}, false
	}
	return Check{Name: name, Status: Pass, Detail: fmt.Sprintf("thread %d is there as written", threadID)}, false
}

// removeProbe deletes the probe comment and checks it is gone; if the
// deletion is refused, it closes the thread instead.
func removeProbe(ctx context.Context, p Prober, ref azdo.PullRequestRef, threadID, commentID int, name string) Check {
	err := p.DeleteComment(ctx, ref, threadID, commentID)
	if err != nil {
		refused := failed(name, azdo.WriteFailure(err))
		if _, cerr := p.UpdateThreadStatus(ctx, ref, threadID, azdo.ThreadClosed); cerr != nil {
			closing := failed(name, azdo.WriteFailure(cerr))
			return Check{Name: name, Status: Fail,
				Detail: fmt.Sprintf("deleting the comment was refused (%s), and so was closing thread %d (%s)", refused.Detail, threadID, closing.Detail),
				Fix:    fmt.Sprintf("Delete thread %d of pull request %d by hand. %s", threadID, ref.ID, refused.Fix)}
		}
		return Check{Name: name, Status: Warn,
			Detail: fmt.Sprintf("deleting the comment was refused (%s); thread %d was closed instead", refused.Detail, threadID),
			Fix:    fmt.Sprintf("Delete thread %d of pull request %d by hand if it bothers anyone; reviews do not delete comments. %s", threadID, ref.ID, refused.Fix)}
	}
	threads, err := p.Threads(ctx, ref)
	if err != nil {
		return Check{Name: name, Status: Pass, Detail: fmt.Sprintf("comment %d of thread %d deleted (not read back: %v)", commentID, threadID, err)}
	}
	if cm, found := findComment(threads, threadID, commentID); found && !cm.Deleted {
		return Check{Name: name, Status: Warn,
			Detail: fmt.Sprintf("the deletion of comment %d of thread %d was answered 200 but the comment is still shown", commentID, threadID),
			Fix:    fmt.Sprintf("Delete thread %d of pull request %d by hand.", threadID, ref.ID)}
	}
	return Check{Name: name, Status: Pass, Detail: fmt.Sprintf("comment %d of thread %d deleted", commentID, threadID)}
}

// firstComment returns the ids of a created thread and its first comment.
func firstComment(t azdo.Thread) (threadID, commentID int, ok bool) {
	if t.ID == 0 || len(t.Comments) == 0 || t.Comments[0].ID == 0 {
		return 0, 0, false
	}
	return t.ID, t.Comments[0].ID, true
}

// findComment finds a comment of a thread by ids.
func findComment(threads []azdo.Thread, threadID, commentID int) (azdo.Comment, bool) {
	for _, t := range threads {
		if t.ID != threadID {
			continue
		}
		for _, cm := range t.Comments {
			if cm.ID == commentID {
				return cm, true
			}
		}
	}
	return azdo.Comment{}, false
}
