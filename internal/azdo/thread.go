package azdo

import (
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// ThreadStatus is a comment thread's state.
type ThreadStatus string

// Thread states (Azure's CommentThreadStatus values). A system thread has
// none ("").
const (
	ThreadActive   ThreadStatus = "active"
	ThreadPending  ThreadStatus = "pending"
	ThreadFixed    ThreadStatus = "fixed"
	ThreadWontFix  ThreadStatus = "wontFix"
	ThreadClosed   ThreadStatus = "closed"
	ThreadByDesign ThreadStatus = "byDesign"
)

// Open reports whether the thread still asks for something: active or
// pending (not fixed, won't fix, closed or by design).
func (s ThreadStatus) Open() bool { return s == ThreadActive || s == ThreadPending }

// CommentType is what wrote a comment.
type CommentType string

// Comment types (Azure's CommentType values).
const (
	CommentText   CommentType = "text"
	CommentSystem CommentType = "system"
)

// Position is a place in a file: a 1-based line and a 1-based character
// offset in it.
type Position struct {
	Line, Offset int
}

// Thread is a pull request's comment thread.
//
// Written with CreateThread, a thread whose FilePath is set is anchored to
// Start–End on the right (new) side of the file, to ChangeTrackingID and,
// when Iteration is set, to that iteration compared with the common commit;
// one without FilePath is a thread on the whole pull request. Its comments
// are written as text comments, the first one answering none.
type Thread struct {
	ID     int
	Status ThreadStatus
	// Deleted: Azure keeps a deleted thread, marked so.
	Deleted bool
	// FilePath, Start and End place the thread on the right side of a file.
	FilePath   string
	Start, End Position
	// ChangeTrackingID follows the file through iterations.
	ChangeTrackingID int
	// Iteration is the iteration the thread was written on (its second
	// comparing iteration when read).
	Iteration int
	// Properties are the thread's string properties, however Azure DevOps
	// encodes them (see ThreadProperty); others are left out.
	Properties map[string]string
	Comments   []Comment
}

// FirstComment is the content of the thread's first comment ("" if none).
func (t Thread) FirstComment() string {
	if len(t.Comments) == 0 {
		return ""
	}
	return t.Comments[0].Content
}

// Comment is one comment of a thread.
type Comment struct {
	ID int
	// ParentID is the comment this one answers (0: none).
	ParentID int
	Content  string
	Type     CommentType
	// AuthorID is the writer's identity id.
	AuthorID string
	// Deleted: Azure keeps a deleted comment in its thread, marked so.
	Deleted bool
}

// ThreadProperty reads a property of a thread as the SDK holds it, in
// either form Azure DevOps uses: a plain value, or
// {"$type": "System.String", "$value": "…"}. Values that are not strings
// read as "".
func ThreadProperty(t git.GitPullRequestCommentThread, key string) string {
	m, ok := t.Properties.(map[string]any)
	if !ok {
		return ""
	}
	return propertyString(m[key])
}

func propertyString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		s, _ := v["$value"].(string)
		return s
	}
	return ""
}

// toThread reads an SDK thread.
func toThread(t *git.GitPullRequestCommentThread) Thread {
	if t == nil {
		return Thread{}
	}
	out := Thread{ID: val(t.Id), Status: ThreadStatus(val(t.Status)), Deleted: val(t.IsDeleted)}
	if c := t.ThreadContext; c != nil {
		out.FilePath = val(c.FilePath)
		out.Start, out.End = toPosition(c.RightFileStart), toPosition(c.RightFileEnd)
	}
	if c := t.PullRequestThreadContext; c != nil {
		out.ChangeTrackingID = val(c.ChangeTrackingId)
		if ic := c.IterationContext; ic != nil {
			out.Iteration = val(ic.SecondComparingIteration)
		}
	}
	if m, ok := t.Properties.(map[string]any); ok {
		for k, v := range m {
			if s := propertyString(v); s != "" {
				if out.Properties == nil {
					out.Properties = make(map[string]string, len(m))
				}
				out.Properties[k] = s
			}
		}
	}
	if t.Comments != nil {
		out.Comments = make([]Comment, 0, len(*t.Comments))
		for i := range *t.Comments {
			out.Comments = append(out.Comments, toComment(&(*t.Comments)[i]))
		}
	}
	return out
}

func toPosition(p *git.CommentPosition) Position {
	if p == nil {
		return Position{}
	}
	return Position{Line: val(p.Line), Offset: val(p.Offset)}
}

func toComment(c *git.Comment) Comment {
	if c == nil {
		return Comment{}
	}
	out := Comment{ID: val(c.Id), ParentID: val(c.ParentCommentId), Content: val(c.Content),
		Type: CommentType(val(c.CommentType)), Deleted: val(c.IsDeleted)}
	if c.Author != nil {
		out.AuthorID = val(c.Author.Id)
	}
	return out
}

// sdkThread is t as CreateThread sends it.
func sdkThread(t Thread) git.GitPullRequestCommentThread {
	var out git.GitPullRequestCommentThread
	if t.Status != "" {
		out.Status = ptr(git.CommentThreadStatus(t.Status))
	}
	if len(t.Comments) > 0 {
		comments := make([]git.Comment, len(t.Comments))
		for i, c := range t.Comments {
			comments[i] = git.Comment{ParentCommentId: ptr(c.ParentID), Content: ptr(c.Content), CommentType: ptr(git.CommentTypeValues.Text)}
		}
		out.Comments = &comments
	}
	if t.FilePath != "" {
		out.ThreadContext = &git.CommentThreadContext{
			FilePath:       ptr(t.FilePath),
			RightFileStart: &git.CommentPosition{Line: ptr(t.Start.Line), Offset: ptr(t.Start.Offset)},
			RightFileEnd:   &git.CommentPosition{Line: ptr(t.End.Line), Offset: ptr(t.End.Offset)},
		}
		out.PullRequestThreadContext = &git.GitPullRequestCommentThreadContext{ChangeTrackingId: ptr(t.ChangeTrackingID)}
		if t.Iteration > 0 {
			// Equal iterations mean "compared with the common commit".
			out.PullRequestThreadContext.IterationContext = &git.CommentIterationContext{
				FirstComparingIteration: ptr(t.Iteration), SecondComparingIteration: ptr(t.Iteration),
			}
		}
	}
	if len(t.Properties) > 0 {
		out.Properties = t.Properties
	}
	return out
}
