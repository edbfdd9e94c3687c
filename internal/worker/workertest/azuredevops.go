// Package workertest has a fake of the worker's view of Azure DevOps for
// pipeline tests where HTTP is not the point: which requests are skipped,
// which findings get a thread, what is resolved, what the summary and
// status say, how a dropped write is told. It is a plain struct in
// policy-bot's pulltest shape: canned answers in exported fields, the writes
// it received recorded in others. Tests that must prove the requests the
// SDK sends use the simulator (package azdotest) instead.
package workertest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sync"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/worker"
)

var _ worker.AzureDevOps = (*AzureDevOps)(nil)

// AzureDevOps implements worker.AzureDevOps over its fields, without HTTP.
// Its writes change its threads as Azure DevOps would (a created thread is
// listed by Threads, a status or a comment update shows on the thread), so
// the worker's read-back sees them, unless DropWrites is set. Set the
// fields before the worker runs and read them after; the methods are safe
// for the worker's concurrent calls.
type AzureDevOps struct {
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
	// ThreadsValue are the pull request's threads; writes change them.
	ThreadsValue []azdo.Thread
	ThreadsError error
	// IdentityValue answers WhoAmI, IdentityError fails it.
	IdentityValue azdo.Identity
	IdentityError error

	// CreateThreadError, UpdateThreadError (status and properties),
	// UpdateCommentError, ReplyError and CreateStatusError refuse those
	// writes.
	CreateThreadError  error
	UpdateThreadError  error
	UpdateCommentError error
	ReplyError         error
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
	// Explained are the errors the worker asked to explain.
	Explained []error
}

// ThreadStatusUpdate is one UpdateThreadStatus.
type ThreadStatusUpdate struct {
	ThreadID int
	Status   azdo.ThreadStatus
}

// CommentUpdate is one UpdateComment, or one Reply (CommentID is then the
// comment answered).
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
func (f *AzureDevOps) Count(method string) int {
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
func (f *AzureDevOps) call(method string) func() {
	f.mu.Lock()
	f.Calls = append(f.Calls, method)
	return f.mu.Unlock
}

// PullRequest implements worker.PullRequestReader.
func (f *AzureDevOps) PullRequest(_ context.Context, _ azdo.PullRequestRef) (azdo.PullRequest, error) {
	defer f.call("PullRequest")()
	return f.PullRequestValue, f.PullRequestError
}

// Iterations implements worker.PullRequestReader.
func (f *AzureDevOps) Iterations(_ context.Context, _ azdo.PullRequestRef) ([]azdo.Iteration, error) {
	defer f.call("Iterations")()
	return slices.Clone(f.IterationsValue), f.IterationsError
}

// IterationChanges implements worker.PullRequestReader.
func (f *AzureDevOps) IterationChanges(_ context.Context, _ azdo.PullRequestRef, _, _ int) ([]azdo.Change, error) {
	defer f.call("IterationChanges")()
	return slices.Clone(f.ChangesValue), f.ChangesError
}

// FileAt implements worker.PullRequestReader.
func (f *AzureDevOps) FileAt(_ context.Context, _ azdo.PullRequestRef, path, commit string) ([]byte, bool, error) {
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

// Threads implements worker.Commenter: copies, so a caller's changes do
// not reach the fake's state.
func (f *AzureDevOps) Threads(_ context.Context, _ azdo.PullRequestRef) ([]azdo.Thread, error) {
	defer f.call("Threads")()
	if f.ThreadsError != nil {
		return nil, f.ThreadsError
	}
	out := make([]azdo.Thread, len(f.ThreadsValue))
	for i, t := range f.ThreadsValue {
		out[i] = clone(t)
	}
	return out, nil
}

// CreateThread implements worker.Commenter: the thread gets the next id,
// its comments ids from 1.
func (f *AzureDevOps) CreateThread(_ context.Context, _ azdo.PullRequestRef, thread azdo.Thread) (azdo.Thread, error) {
	defer f.call("CreateThread")()
	if f.CreateThreadError != nil {
		return azdo.Thread{}, f.CreateThreadError
	}
	f.Created = append(f.Created, clone(thread))
	kept := clone(thread)
	kept.ID = f.nextID()
	for i := range kept.Comments {
		kept.Comments[i].ID = i + 1
	}
	if !f.DropWrites {
		f.ThreadsValue = append(f.ThreadsValue, clone(kept))
	}
	return kept, nil
}

// UpdateThreadStatus implements worker.Commenter.
func (f *AzureDevOps) UpdateThreadStatus(_ context.Context, _ azdo.PullRequestRef, threadID int, status azdo.ThreadStatus) (azdo.Thread, error) {
	defer f.call("UpdateThreadStatus")()
	if f.UpdateThreadError != nil {
		return azdo.Thread{}, f.UpdateThreadError
	}
	f.ThreadStatuses = append(f.ThreadStatuses, ThreadStatusUpdate{ThreadID: threadID, Status: status})
	return f.update(threadID, func(t *azdo.Thread) { t.Status = status })
}

// UpdateThreadProperties implements worker.Commenter.
func (f *AzureDevOps) UpdateThreadProperties(_ context.Context, _ azdo.PullRequestRef, threadID int, props map[string]string) (azdo.Thread, error) {
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

// UpdateComment implements worker.Commenter.
func (f *AzureDevOps) UpdateComment(_ context.Context, _ azdo.PullRequestRef, threadID, commentID int, content string) (azdo.Comment, error) {
	defer f.call("UpdateComment")()
	if f.UpdateCommentError != nil {
		return azdo.Comment{}, f.UpdateCommentError
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

// Reply implements worker.Commenter.
func (f *AzureDevOps) Reply(_ context.Context, _ azdo.PullRequestRef, threadID, parentCommentID int, content string) (azdo.Comment, error) {
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

// CreateStatus implements worker.Commenter.
func (f *AzureDevOps) CreateStatus(_ context.Context, _ azdo.PullRequestRef, s azdo.Status) (azdo.Status, error) {
	defer f.call("CreateStatus")()
	if f.CreateStatusError != nil {
		return azdo.Status{}, f.CreateStatusError
	}
	s.ID = len(f.Statuses) + 1
	f.Statuses = append(f.Statuses, s)
	return s, nil
}

// WhoAmI implements worker.Diagnoser.
func (f *AzureDevOps) WhoAmI(context.Context) (azdo.Identity, error) {
	defer f.call("WhoAmI")()
	return f.IdentityValue, f.IdentityError
}

// Explain implements worker.Diagnoser: it records err and returns it as it
// is.
func (f *AzureDevOps) Explain(_ context.Context, _, _, _ string, err error) error {
	defer f.call("Explain")()
	f.Explained = append(f.Explained, err)
	return err
}

// update applies change to thread id (unless writes are dropped) and
// returns the thread; an unknown id is Azure's 404. Called with f.mu held.
func (f *AzureDevOps) update(id int, change func(*azdo.Thread)) (azdo.Thread, error) {
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

// nextID is one more than the highest thread id. Called with f.mu held.
func (f *AzureDevOps) nextID() int {
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

// Commits of the pull request New makes: the target branch (also the
// common commit) and the head.
const (
	BaseCommit = "ba5e000000000000000000000000000000000000"
	HeadCommit = "00ead00000000000000000000000000000000000"
)

// BotID is the id of the PAT's identity New answers WhoAmI with.
const BotID = "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01"

// New returns a fake holding an active pull request (id 1, repository
// "Web App") whose one iteration turns base into head (path → content):
// the changes of every path that differs, in path order, and both trees
// as files.
func New(base, head map[string]string) *AzureDevOps {
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
		changes = append(changes, azdo.Change{Path: p, ChangeType: kind, ChangeTrackingID: len(changes) + 1})
	}
	return &AzureDevOps{
		PullRequestValue: azdo.PullRequest{ID: 1, Title: "Add feature", Status: azdo.PullRequestActive,
			RepositoryID: "repo", RepositoryName: "Web App", SourceRef: "refs/heads/feature", TargetRef: "refs/heads/main",
			SourceCommit: HeadCommit, TargetCommit: BaseCommit},
		IterationsValue: []azdo.Iteration{{ID: 1, SourceCommit: HeadCommit, TargetCommit: BaseCommit, CommonCommit: BaseCommit}},
		ChangesValue:    changes,
		Files:           map[string]map[string]string{BaseCommit: maps.Clone(base), HeadCommit: maps.Clone(head)},
		IdentityValue:   azdo.Identity{ID: BotID, DisplayName: "Azure Reviewer"},
	}
}
