package azdotest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// Fake stands in for *azdo.Client where the requests are not the point: a
// consumer's tests about its own decisions (which requests a worker skips,
// which findings get a thread, what is resolved, what the summary and the
// status say, how a dropped write is told) run against it without HTTP.
// It is a plain struct in policy-bot's pulltest shape: canned answers in
// exported fields, the calls and writes it received recorded in others. It
// has the methods of the client that the consumers' interfaces name
// (worker.AzureDevOps, doctor.Prober), with the client's signatures. Tests
// that must prove the requests the SDK sends use the simulator (New).
//
// Its writes change its threads as Azure DevOps would (a created thread is
// listed by Threads, a status or a comment update shows on the thread), so
// a read-back sees them, unless DropWrites is set. Set the fields before
// the code under test runs and read them after; the methods are safe for
// concurrent calls. Their lock orders the callers, which hides races
// between them from the race detector: tests of concurrency belong on the
// simulator.
type Fake struct {
	mu sync.Mutex

	// PullRequestValue answers PullRequest, PullRequestError fails it.
	PullRequestValue azdo.PullRequest
	PullRequestError error
	// IterationsValue answers Iterations (oldest first).
	IterationsValue []azdo.Iteration
	IterationsError error
	// ChangesValue answers IterationChanges, whatever the iterations.
	ChangesValue []azdo.Change
	ChangesError error
	// Files holds file contents by commit, then path; a path not there is
	// not found.
	Files     map[string]map[string]string
	FileError error
	// ThreadsValue are the pull request's threads; writes change them. A
	// comment whose AuthorID is empty counts as written by the PAT's
	// identity (IdentityValue), one with another AuthorID as a person's,
	// which UpdateComment and DeleteComment refuse as Azure DevOps does.
	// ThreadsError fails Threads and Thread.
	ThreadsValue []azdo.Thread
	ThreadsError error
	// IdentityValue answers WhoAmI, IdentityError fails it.
	IdentityValue azdo.Identity
	IdentityError error

	// CreateThreadError, UpdateThreadError (status and properties),
	// UpdateCommentError, ReplyError, DeleteCommentError and
	// CreateStatusError refuse those writes.
	CreateThreadError  error
	UpdateThreadError  error
	UpdateCommentError error
	ReplyError         error
	DeleteCommentError error
	CreateStatusError  error
	// DropWrites acknowledges thread writes without keeping them, as
	// Azure DevOps sometimes does.
	DropWrites bool

	// Calls lists every method called, in order ("PullRequest",
	// "FileAt", …).
	Calls []string
	// Created are the threads created, as sent.
	Created []azdo.Thread
	// ThreadStatuses are the status updates, CommentUpdates the comment
	// updates, PropertyUpdates the property updates, Replies the replies.
	ThreadStatuses  []ThreadStatusUpdate
	CommentUpdates  []CommentUpdate
	PropertyUpdates []PropertyUpdate
	Replies         []CommentUpdate
	// Statuses are the pull-request statuses posted.
	Statuses []azdo.Status
	// Deleted are the comments deleted.
	Deleted []CommentUpdate
	// Explained are the errors the code under test asked to explain.
	Explained []error
}

// ThreadStatusUpdate is one UpdateThreadStatus.
type ThreadStatusUpdate struct {
	ThreadID int
	Status   azdo.ThreadStatus
}

// CommentUpdate is one UpdateComment, one DeleteComment (no Content) or one
// Reply (CommentID is then the comment answered).
type CommentUpdate struct {
	ThreadID, CommentID int
	Content             string
}

// PropertyUpdate is one UpdateThreadProperties.
type PropertyUpdate struct {
	ThreadID   int
	Properties map[string]string
}

// Count is how many times method was called.
func (f *Fake) Count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.Calls {
		if c == method {
			n++
		}
	}
	return n
}

// call records method and returns the unlock function.
func (f *Fake) call(method string) func() {
	f.mu.Lock()
	f.Calls = append(f.Calls, method)
	return f.mu.Unlock
}

// PullRequest answers PullRequestValue or PullRequestError.
func (f *Fake) PullRequest(_ context.Context, _ azdo.PullRequestRef) (azdo.PullRequest, error) {
	defer f.call("PullRequest")()
	return f.PullRequestValue, f.PullRequestError
}

// Iterations answers IterationsValue or IterationsError.
func (f *Fake) Iterations(_ context.Context, _ azdo.PullRequestRef) ([]azdo.Iteration, error) {
	defer f.call("Iterations")()
	return slices.Clone(f.IterationsValue), f.IterationsError
}

// IterationChanges answers ChangesValue or ChangesError.
func (f *Fake) IterationChanges(_ context.Context, _ azdo.PullRequestRef, _, _ int) ([]azdo.Change, error) {
	defer f.call("IterationChanges")()
	return slices.Clone(f.ChangesValue), f.ChangesError
}

// FileAt answers from Files, or FileError.
func (f *Fake) FileAt(_ context.Context, _ azdo.PullRequestRef, path, commit string) ([]byte, bool, error) {
	defer f.call("FileAt")()
	if f.FileError != nil {
		return nil, false, f.FileError
	}
	content, ok := f.Files[commit][path]
	if !ok {
		return nil, false, nil
	}
	return []byte(content), true, nil
}

// Threads answers copies of ThreadsValue, so a caller's changes do not
// reach the fake's state, or ThreadsError; a comment seeded without
// AuthorID is answered as the PAT identity's (IdentityValue).
func (f *Fake) Threads(_ context.Context, _ azdo.PullRequestRef) ([]azdo.Thread, error) {
	defer f.call("Threads")()
	if f.ThreadsError != nil {
		return nil, f.ThreadsError
	}
	out := make([]azdo.Thread, len(f.ThreadsValue))
	for i, t := range f.ThreadsValue {
		out[i] = clone(t)
		for j := range out[i].Comments {
			if out[i].Comments[j].AuthorID == "" {
				out[i].Comments[j].AuthorID = f.IdentityValue.ID
			}
		}
	}
	return out, nil
}

// Thread answers a copy of the thread of ThreadsValue with that id, as
// Threads answers it, Azure's 404 when there is none, or ThreadsError.
func (f *Fake) Thread(_ context.Context, _ azdo.PullRequestRef, threadID int) (azdo.Thread, error) {
	defer f.call("Thread")()
	if f.ThreadsError != nil {
		return azdo.Thread{}, f.ThreadsError
	}
	for _, t := range f.ThreadsValue {
		if t.ID == threadID {
			out := clone(t)
			for j := range out.Comments {
				if out.Comments[j].AuthorID == "" {
					out.Comments[j].AuthorID = f.IdentityValue.ID
				}
			}
			return out, nil
		}
	}
	return azdo.Thread{}, &azdo.Error{Kind: azdo.KindNotFound, StatusCode: http.StatusNotFound,
		Message: fmt.Sprintf("TF401181: The pull request comment thread with id %d was not found.", threadID)}
}

// CreateThread records the thread and keeps it with the next id, its
// comments numbered from 1, text comments written by the PAT's identity. A
// thread without a comment is refused, as Azure DevOps refuses it.
func (f *Fake) CreateThread(_ context.Context, _ azdo.PullRequestRef, thread azdo.Thread) (azdo.Thread, error) {
	defer f.call("CreateThread")()
	if f.CreateThreadError != nil {
		return azdo.Thread{}, f.CreateThreadError
	}
	if len(thread.Comments) == 0 {
		return azdo.Thread{}, &azdo.Error{Kind: azdo.KindInvalid, StatusCode: http.StatusBadRequest, Write: true,
			Message: "A comment thread must contain at least one comment."}
	}
	kept := clone(thread)
	kept.ID = f.nextID()
	f.Created = append(f.Created, clone(thread))
	for i := range kept.Comments {
		// The client writes text comments; Azure DevOps numbers them and
		// names the PAT's identity their author.
		kept.Comments[i].ID, kept.Comments[i].Type, kept.Comments[i].AuthorID = i+1, azdo.CommentText, f.IdentityValue.ID
	}
	if !f.DropWrites {
		f.ThreadsValue = append(f.ThreadsValue, clone(kept))
	}
	return kept, nil
}

// UpdateThreadStatus records the update and applies it.
func (f *Fake) UpdateThreadStatus(_ context.Context, _ azdo.PullRequestRef, threadID int, status azdo.ThreadStatus) (azdo.Thread, error) {
	defer f.call("UpdateThreadStatus")()
	if f.UpdateThreadError != nil {
		return azdo.Thread{}, f.UpdateThreadError
	}
	f.ThreadStatuses = append(f.ThreadStatuses, ThreadStatusUpdate{ThreadID: threadID, Status: status})
	return f.update(threadID, func(t *azdo.Thread) { t.Status = status })
}

// SetThreadStatus records the update as a status update and a property
// update, and applies both.
func (f *Fake) SetThreadStatus(_ context.Context, _ azdo.PullRequestRef, threadID int, status azdo.ThreadStatus, props map[string]string) (azdo.Thread, error) {
	defer f.call("SetThreadStatus")()
	if f.UpdateThreadError != nil {
		return azdo.Thread{}, f.UpdateThreadError
	}
	f.ThreadStatuses = append(f.ThreadStatuses, ThreadStatusUpdate{ThreadID: threadID, Status: status})
	f.PropertyUpdates = append(f.PropertyUpdates, PropertyUpdate{ThreadID: threadID, Properties: maps.Clone(props)})
	return f.update(threadID, func(t *azdo.Thread) {
		t.Status = status
		if t.Properties == nil {
			t.Properties = map[string]string{}
		}
		maps.Copy(t.Properties, props)
	})
}

// UpdateThreadProperties records the update and merges the properties.
func (f *Fake) UpdateThreadProperties(_ context.Context, _ azdo.PullRequestRef, threadID int, props map[string]string) (azdo.Thread, error) {
	defer f.call("UpdateThreadProperties")()
	if f.UpdateThreadError != nil {
		return azdo.Thread{}, f.UpdateThreadError
	}
	f.PropertyUpdates = append(f.PropertyUpdates, PropertyUpdate{ThreadID: threadID, Properties: maps.Clone(props)})
	return f.update(threadID, func(t *azdo.Thread) {
		if t.Properties == nil {
			t.Properties = map[string]string{}
		}
		maps.Copy(t.Properties, props)
	})
}

// UpdateComment records the update and applies it.
func (f *Fake) UpdateComment(_ context.Context, _ azdo.PullRequestRef, threadID, commentID int, content string) (azdo.Comment, error) {
	defer f.call("UpdateComment")()
	if f.UpdateCommentError != nil {
		return azdo.Comment{}, f.UpdateCommentError
	}
	if err := f.ownComment(threadID, commentID, "edit"); err != nil {
		return azdo.Comment{}, err
	}
	f.CommentUpdates = append(f.CommentUpdates, CommentUpdate{ThreadID: threadID, CommentID: commentID, Content: content})
	var out azdo.Comment
	_, err := f.update(threadID, func(t *azdo.Thread) {
		for i := range t.Comments {
			if t.Comments[i].ID == commentID {
				t.Comments[i].Content = content
				out = t.Comments[i]
			}
		}
	})
	return out, err
}

// ownComment is Azure DevOps' refusal to edit or delete a comment that is
// not there (404) or that another identity wrote (400, TF401192); a comment
// without AuthorID counts as the PAT identity's. Called with f.mu held.
func (f *Fake) ownComment(threadID, commentID int, verb string) error {
	for _, t := range f.ThreadsValue {
		if t.ID != threadID {
			continue
		}
		for _, c := range t.Comments {
			if c.ID != commentID {
				continue
			}
			if c.AuthorID != "" && !strings.EqualFold(c.AuthorID, f.IdentityValue.ID) {
				return &azdo.Error{Kind: azdo.KindInvalid, StatusCode: http.StatusBadRequest, Write: true,
					Message: fmt.Sprintf("TF401192: Only the author of a comment can %s it.", verb)}
			}
			return nil
		}
		return &azdo.Error{Kind: azdo.KindNotFound, StatusCode: http.StatusNotFound, Write: true,
			Message: fmt.Sprintf("comment %d of thread %d does not exist", commentID, threadID)}
	}
	return &azdo.Error{Kind: azdo.KindNotFound, StatusCode: http.StatusNotFound, Write: true,
		Message: fmt.Sprintf("thread %d does not exist", threadID)}
}

// Reply records the reply and adds it to the thread.
func (f *Fake) Reply(_ context.Context, _ azdo.PullRequestRef, threadID, parentCommentID int, content string) (azdo.Comment, error) {
	defer f.call("Reply")()
	if f.ReplyError != nil {
		return azdo.Comment{}, f.ReplyError
	}
	f.Replies = append(f.Replies, CommentUpdate{ThreadID: threadID, CommentID: parentCommentID, Content: content})
	var out azdo.Comment
	_, err := f.update(threadID, func(t *azdo.Thread) {
		out = azdo.Comment{ID: len(t.Comments) + 1, ParentID: parentCommentID, Content: content, Type: azdo.CommentText, AuthorID: f.IdentityValue.ID}
		t.Comments = append(t.Comments, out)
	})
	return out, err
}

// CreateStatus records the status, numbered from 1.
func (f *Fake) CreateStatus(_ context.Context, _ azdo.PullRequestRef, s azdo.Status) (azdo.Status, error) {
	defer f.call("CreateStatus")()
	if f.CreateStatusError != nil {
		return azdo.Status{}, f.CreateStatusError
	}
	s.ID = len(f.Statuses) + 1
	f.Statuses = append(f.Statuses, s)
	return s, nil
}

// DeleteComment records the deletion and marks the comment deleted, as
// Azure DevOps keeps it.
func (f *Fake) DeleteComment(_ context.Context, _ azdo.PullRequestRef, threadID, commentID int) error {
	defer f.call("DeleteComment")()
	if f.DeleteCommentError != nil {
		return f.DeleteCommentError
	}
	if err := f.ownComment(threadID, commentID, "delete"); err != nil {
		return err
	}
	f.Deleted = append(f.Deleted, CommentUpdate{ThreadID: threadID, CommentID: commentID})
	_, err := f.update(threadID, func(t *azdo.Thread) {
		for i := range t.Comments {
			if t.Comments[i].ID == commentID {
				t.Comments[i].Deleted = true
			}
		}
	})
	return err
}

// WhoAmI answers IdentityValue or IdentityError.
func (f *Fake) WhoAmI(context.Context) (azdo.Identity, error) {
	defer f.call("WhoAmI")()
	return f.IdentityValue, f.IdentityError
}

// Explain records err and returns it as it is.
func (f *Fake) Explain(_ context.Context, _, _, _ string, err error) error {
	defer f.call("Explain")()
	f.Explained = append(f.Explained, err)
	return err
}

// update applies change to thread id (unless writes are dropped) and
// returns the thread; an unknown id is Azure's 404. Called with f.mu held.
func (f *Fake) update(id int, change func(*azdo.Thread)) (azdo.Thread, error) {
	for i := range f.ThreadsValue {
		if f.ThreadsValue[i].ID == id {
			t := clone(f.ThreadsValue[i])
			change(&t)
			if !f.DropWrites {
				f.ThreadsValue[i] = clone(t)
			}
			return t, nil
		}
	}
	return azdo.Thread{}, &azdo.Error{Kind: azdo.KindNotFound, StatusCode: http.StatusNotFound, Message: fmt.Sprintf("thread %d does not exist", id)}
}

// nextID is one more than the highest thread id kept or given out (a
// dropped thread's included). Called with f.mu held.
func (f *Fake) nextID() int {
	id := len(f.Created)
	for _, t := range f.ThreadsValue {
		id = max(id, t.ID)
	}
	return id + 1
}

func clone(t azdo.Thread) azdo.Thread {
	t.Comments = slices.Clone(t.Comments)
	t.Properties = maps.Clone(t.Properties)
	return t
}

// Commits of the pull request NewFake makes: the target branch (also the
// common commit) and the head.
const (
	BaseCommit = "ba5e000000000000000000000000000000000000"
	HeadCommit = "00ead00000000000000000000000000000000000"
)

// NewFake returns a fake holding an active pull request (id 1, repository
// RepoName) whose one iteration turns base into head (path → content): the
// changes of every path that differs, in path order, and both trees as
// files. WhoAmI answers User().
func NewFake(base, head map[string]string) *Fake {
	var changes []azdo.Change
	paths := slices.Sorted(maps.Keys(head))
	for p := range base {
		if _, ok := head[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for _, p := range paths {
		old, inBase := base[p]
		cur, inHead := head[p]
		kind := "edit"
		switch {
		case !inBase:
			kind = "add"
		case !inHead:
			kind = "delete"
		case old == cur:
			continue
		}
		ch := azdo.Change{Path: p, ChangeType: kind, ChangeTrackingID: len(changes) + 1}
		if inHead {
			ch.ObjectID = BlobID(cur)
		}
		if inBase {
			ch.OriginalObjectID = BlobID(old)
		}
		changes = append(changes, ch)
	}
	return &Fake{
		PullRequestValue: azdo.PullRequest{ID: 1, Title: "Add feature", Status: azdo.PullRequestActive,
			RepositoryID: "repo", RepositoryName: RepoName, SourceRef: "refs/heads/feature", TargetRef: "refs/heads/main",
			SourceCommit: HeadCommit, TargetCommit: BaseCommit},
		IterationsValue: []azdo.Iteration{{ID: 1, SourceCommit: HeadCommit, TargetCommit: BaseCommit, CommonCommit: BaseCommit}},
		ChangesValue:    changes,
		Files:           map[string]map[string]string{BaseCommit: maps.Clone(base), HeadCommit: maps.Clone(head)},
		IdentityValue:   azdo.Identity{ID: User().ID, DisplayName: User().DisplayName},
	}
}
