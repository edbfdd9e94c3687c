package azdosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/webapi"
)

// thread is a pull request comment thread.
type thread struct {
	id            int
	comments      []*comment
	status        *git.CommentThreadStatus
	threadContext *git.CommentThreadContext
	prContext     *git.GitPullRequestCommentThreadContext
	properties    map[string]typedValue
	published     time.Time
	updated       time.Time
}

// comment is one comment of a thread; ids start at 1 in every thread.
type comment struct {
	id          int
	parentID    int
	author      Identity
	content     string
	commentType git.CommentType
	published   time.Time
	updated     time.Time
	deleted     bool // see deleteComment
}

// typedValue is a property in the service's typed form:
// {"$type":"System.String","$value":"…"}.
type typedValue struct {
	Type  string `json:"$type"`
	Value any    `json:"$value"`
}

// typedProperties converts request properties, plain ({"k":"v"}) or typed
// ({"k":{"$type":…,"$value":…}}), to typed values. Null values are dropped.
// Numbers must have been decoded as json.Number.
func typedProperties(props any) (map[string]typedValue, error) {
	if props == nil {
		return nil, nil
	}
	m, ok := props.(map[string]any)
	if !ok {
		return nil, errBadRequest("properties must be a JSON object.")
	}
	out := make(map[string]typedValue, len(m))
	for k, v := range m {
		if v == nil {
			continue
		}
		out[k] = typedProperty(v)
	}
	return out, nil
}

func typedProperty(v any) typedValue {
	switch x := v.(type) {
	case map[string]any:
		if t, ok := x["$type"].(string); ok {
			if val, ok := x["$value"]; ok {
				return typedGiven(t, val)
			}
		}
	case string:
		return typedValue{Type: "System.String", Value: x}
	case bool:
		return typedValue{Type: "System.Boolean", Value: x}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			if i >= math.MinInt32 && i <= math.MaxInt32 {
				return typedValue{Type: "System.Int32", Value: x}
			}
			return typedValue{Type: "System.Int64", Value: x}
		}
		return typedValue{Type: "System.Double", Value: x}
	}
	// Arrays and other objects are stored as their JSON text.
	text, _ := json.Marshal(v)
	return typedValue{Type: "System.String", Value: string(text)}
}

// typedGiven stores a property sent in the typed form. The service keeps
// the type, except that it stores a System.Guid as a System.String of the
// 32 hex digits (recorded in the pull-request status examples).
func typedGiven(typ string, val any) typedValue {
	if s, ok := val.(string); ok && strings.EqualFold(typ, "System.Guid") {
		if id, err := uuid.Parse(s); err == nil {
			return typedValue{Type: "System.String", Value: strings.ReplaceAll(id.String(), "-", "")}
		}
	}
	return typedValue{Type: typ, Value: val}
}

// threadModel renders t as the service returns it. Requires s.mu.
func (pr *PullRequest) threadModel(t *thread) git.GitPullRequestCommentThread {
	threadURL := fmt.Sprintf("%s/threads/%d", pr.apiURL(), t.id)
	comments := make([]git.Comment, 0, len(t.comments))
	for _, cm := range t.comments {
		comments = append(comments, pr.commentModel(t, cm))
	}
	m := git.GitPullRequestCommentThread{
		Id:                       ptr(t.id),
		PublishedDate:            azTime(t.published),
		LastUpdatedDate:          azTime(t.updated),
		Comments:                 &comments,
		Status:                   t.status,
		ThreadContext:            t.threadContext,
		PullRequestThreadContext: t.prContext,
		IsDeleted:                ptr(false),
		Links: map[string]link{
			"self":       {threadURL},
			"repository": {pr.repo.apiURL()},
		},
	}
	// Azure answers an empty properties object rather than none.
	props := make(map[string]typedValue, len(t.properties))
	maps.Copy(props, t.properties)
	m.Properties = props
	return m
}

// commentModel renders cm of thread t as the service returns it. Requires
// s.mu.
func (pr *PullRequest) commentModel(t *thread, cm *comment) git.Comment {
	org := pr.repo.project.org
	threadURL := fmt.Sprintf("%s/threads/%d", pr.apiURL(), t.id)
	return git.Comment{
		Id:                     ptr(cm.id),
		ParentCommentId:        ptr(cm.parentID),
		Author:                 org.identityRef(cm.author),
		Content:                ptr(cm.content),
		PublishedDate:          azTime(cm.published),
		LastUpdatedDate:        azTime(cm.updated),
		LastContentUpdatedDate: azTime(cm.updated),
		CommentType:            ptr(cm.commentType),
		IsDeleted:              ptr(cm.deleted),
		UsersLiked:             &[]webapi.IdentityRef{},
		Links: map[string]link{
			"self":         {fmt.Sprintf("%s/comments/%d", threadURL, cm.id)},
			"repository":   {pr.repo.apiURL()},
			"threads":      {threadURL},
			"pullRequests": {pr.apiURL()},
		},
	}
}

// newComment builds a comment from a request. Requires s.mu.
func newComment(id int, author Identity, in git.Comment, now time.Time) *comment {
	cm := &comment{
		id:          id,
		author:      author,
		commentType: git.CommentTypeValues.Text,
		published:   now,
		updated:     now,
	}
	if in.ParentCommentId != nil {
		cm.parentID = *in.ParentCommentId
	}
	if in.Content != nil {
		cm.content = *in.Content
	}
	if in.CommentType != nil && *in.CommentType != "" {
		cm.commentType = *in.CommentType
	}
	return cm
}

// createThreadLocked adds a thread written by author. Requires s.mu.
func (pr *PullRequest) createThreadLocked(author Identity, in git.GitPullRequestCommentThread) (*thread, error) {
	t, err := pr.newThreadLocked(author, in)
	if err != nil {
		return nil, err
	}
	pr.addThreadLocked(t)
	pr.server().notifyLocked()
	return t, nil
}

// addThreadLocked stores t. Requires s.mu.
func (pr *PullRequest) addThreadLocked(t *thread) {
	if pr.threadByID == nil {
		pr.threadByID = make(map[int]*thread)
	}
	pr.threads = append(pr.threads, t)
	pr.threadByID[t.id] = t
}

// newThreadLocked builds a thread written by author with the
// organization's next thread id, without storing it. Requires s.mu.
func (pr *PullRequest) newThreadLocked(author Identity, in git.GitPullRequestCommentThread) (*thread, error) {
	if in.Comments == nil || len(*in.Comments) == 0 {
		return nil, errBadRequest("A comment thread must contain at least one comment.")
	}
	props, err := typedProperties(in.Properties)
	if err != nil {
		return nil, err
	}
	org := pr.repo.project.org
	now := org.s.now()
	t := &thread{
		id:            org.nextThreadID,
		status:        in.Status,
		threadContext: in.ThreadContext,
		prContext:     in.PullRequestThreadContext,
		properties:    props,
		published:     now,
		updated:       now,
	}
	org.nextThreadID++
	for i, c := range *in.Comments {
		cm := newComment(i+1, author, c, now)
		cm.content = org.s.storedTextLocked(cm.content)
		t.comments = append(t.comments, cm)
	}
	return t, nil
}

// thread returns the thread with the given id, or nil: a look-up by id,
// as Azure DevOps' own, whatever the threads on the pull request. Requires
// s.mu.
func (pr *PullRequest) thread(id int) *thread {
	return pr.threadByID[id]
}

// pullRequestThread resolves the pull request and {threadId} of the URL.
// Requires s.mu.
func (c *call) pullRequestThread() (*PullRequest, *thread, error) {
	pr, err := c.pullRequest()
	if err != nil {
		return nil, nil, err
	}
	id, err := c.intParam("threadId")
	if err != nil {
		return nil, nil, err
	}
	t := pr.thread(id)
	if t == nil {
		return nil, nil, errThreadNotFound(id)
	}
	return pr, t, nil
}

// listThreads serves GET …/pullRequests/{id}/threads. $iteration and
// $baseIteration are accepted and ignored: positions are never re-mapped.
func (c *call) listThreads() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, err := c.pullRequest()
	if err != nil {
		return nil, err
	}
	out := make([]git.GitPullRequestCommentThread, 0, len(pr.threads))
	for _, t := range pr.threads {
		out = append(out, pr.threadModel(t))
	}
	return collectionResponse(out)
}

// getThread serves GET …/pullRequests/{id}/threads/{threadId}.
func (c *call) getThread() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, t, err := c.pullRequestThread()
	if err != nil {
		return nil, err
	}
	return jsonResponse(http.StatusOK, pr.threadModel(t))
}

// createThread serves POST …/pullRequests/{id}/threads. The caller becomes
// the author of every comment; comment ids start at 1. It needs
// GitPullRequestContribute. While the pull request drops thread writes
// (DropThreadWrites) the complete thread is answered but not stored.
func (c *call) createThread() (*response, error) {
	var in git.GitPullRequestCommentThread
	if err := decodeBodyEnums(c.r, &in, threadEnums()); err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, err := c.pullRequest()
	if err != nil {
		return nil, err
	}
	if err := c.requirePermission(pr.repo, GitPullRequestContribute); err != nil {
		return nil, err
	}
	t, err := pr.newThreadLocked(c.who, in)
	if err != nil {
		return nil, err
	}
	if !pr.dropThreadWrites {
		pr.addThreadLocked(t)
		c.s.notifyLocked()
	}
	return jsonResponse(http.StatusOK, pr.threadModel(t))
}

// updateThread serves PATCH …/pullRequests/{id}/threads/{threadId}: it sets
// the status if given and merges the given properties; other fields are
// ignored. It needs GitPullRequestContribute.
func (c *call) updateThread() (*response, error) {
	var in git.GitPullRequestCommentThread
	if err := decodeBodyEnums(c.r, &in, threadEnums()); err != nil {
		return nil, err
	}
	props, err := typedProperties(in.Properties)
	if err != nil {
		return nil, err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, t, err := c.contributableThread()
	if err != nil {
		return nil, err
	}
	if in.Status != nil {
		t.status = in.Status
	}
	if len(props) > 0 && t.properties == nil {
		t.properties = make(map[string]typedValue, len(props))
	}
	for k, v := range props {
		t.properties[k] = v
	}
	t.updated = c.s.now()
	c.s.notifyLocked()
	return jsonResponse(http.StatusOK, pr.threadModel(t))
}

// listComments serves GET …/threads/{threadId}/comments.
func (c *call) listComments() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, t, err := c.pullRequestThread()
	if err != nil {
		return nil, err
	}
	out := make([]git.Comment, 0, len(t.comments))
	for _, cm := range t.comments {
		out = append(out, pr.commentModel(t, cm))
	}
	return collectionResponse(out)
}

// getComment serves GET …/threads/{threadId}/comments/{commentId}.
func (c *call) getComment() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	pr, t, err := c.pullRequestThread()
	if err != nil {
		return nil, err
	}
	id, err := c.intParam("commentId")
	if err != nil {
		return nil, err
	}
	for _, cm := range t.comments {
		if cm.id == id {
			return jsonResponse(http.StatusOK, pr.commentModel(t, cm))
		}
	}
	return nil, errCommentNotFound(id)
}

// lockThreadForComment decodes a comment body, locks the server and
// resolves the thread of the URL, checking the caller may comment
// (GitPullRequestContribute). On success the caller holds s.mu and must
// unlock it.
func (c *call) lockThreadForComment(in *git.Comment) (*PullRequest, *thread, error) {
	if err := decodeBodyEnums(c.r, in, commentEnums()); err != nil {
		return nil, nil, err
	}
	c.s.mu.Lock()
	pr, t, err := c.contributableThread()
	if err != nil {
		c.s.mu.Unlock()
		return nil, nil, err
	}
	return pr, t, nil
}

// updateComment serves PATCH …/threads/{threadId}/comments/{commentId}:
// only the comment's author may change its content, as in Azure DevOps. It
// needs GitPullRequestContribute.
func (c *call) updateComment() (*response, error) {
	var in git.Comment
	pr, t, err := c.lockThreadForComment(&in)
	if err != nil {
		return nil, err
	}
	defer c.s.mu.Unlock()
	cm, err := c.ownComment(t, "edit")
	if err != nil {
		return nil, err
	}
	if in.Content != nil {
		cm.content = c.s.storedTextLocked(*in.Content)
	}
	now := c.s.now()
	cm.updated, t.updated = now, now
	c.s.notifyLocked()
	return jsonResponse(http.StatusOK, pr.commentModel(t, cm))
}

// contributableThread is the thread the request names, which the caller
// needs GitPullRequestContribute on its repository to change. Requires s.mu.
func (c *call) contributableThread() (*PullRequest, *thread, error) {
	pr, t, err := c.pullRequestThread()
	if err != nil {
		return nil, nil, err
	}
	if err := c.requirePermission(pr.repo, GitPullRequestContribute); err != nil {
		return nil, nil, err
	}
	return pr, t, nil
}

// ownComment finds the comment of t the commentId parameter names, which
// the caller must have written to verb it (Azure DevOps' TF401192
// otherwise). Requires s.mu.
func (c *call) ownComment(t *thread, verb string) (*comment, error) {
	id, err := c.intParam("commentId")
	if err != nil {
		return nil, err
	}
	for _, cm := range t.comments {
		if cm.id != id {
			continue
		}
		if cm.author.ID != c.who.ID {
			return nil, errBadRequest("TF401192: Only the author of a comment can %s it.", verb)
		}
		return cm, nil
	}
	return nil, errCommentNotFound(id)
}

// createComment serves POST …/threads/{threadId}/comments: a reply written
// by the caller, with the next comment id of the thread. It needs
// GitPullRequestContribute.
func (c *call) createComment() (*response, error) {
	var in git.Comment
	pr, t, err := c.lockThreadForComment(&in)
	if err != nil {
		return nil, err
	}
	defer c.s.mu.Unlock()
	now := c.s.now()
	cm := newComment(len(t.comments)+1, c.who, in, now)
	cm.content = c.s.storedTextLocked(cm.content)
	t.comments = append(t.comments, cm)
	t.updated = now
	c.s.notifyLocked()
	return jsonResponse(http.StatusOK, pr.commentModel(t, cm))
}

// AddThread adds a thread as if author had created it through the API, for
// seeding a pull request with other people's comments or with system
// threads (commentType "system", properties such as CodeReviewThreadType).
// It returns the thread as the API returns it. It panics if the thread has
// no comments or malformed properties.
func (pr *PullRequest) AddThread(author Identity, th git.GitPullRequestCommentThread) git.GitPullRequestCommentThread {
	// Round-trip through JSON as a request would, so that the simulator
	// owns every pointer and numbers become json.Number.
	body, err := marshal(th)
	if err != nil {
		panic(fmt.Sprintf("azdosim: marshal thread: %v", err))
	}
	var in git.GitPullRequestCommentThread
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		panic(fmt.Sprintf("azdosim: decode thread: %v", err))
	}
	author = author.normalized()
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := pr.createThreadLocked(author, in)
	if err != nil {
		panic(fmt.Sprintf("azdosim: add thread: %v", err))
	}
	return roundTrip(pr.threadModel(t))
}

// Threads returns the pull request's comment threads, oldest first, exactly
// as GetThreads would decode them (typed properties included).
func (pr *PullRequest) Threads() []git.GitPullRequestCommentThread {
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]git.GitPullRequestCommentThread, 0, len(pr.threads))
	for _, t := range pr.threads {
		out = append(out, pr.threadModel(t))
	}
	return roundTrip(out)
}

// SetThreadStatus sets the status of the pull request's thread id as if
// someone had changed it in the web UI, for example the author resolving a
// finding ("fixed", "closed") or rejecting it ("wontFix", "byDesign"). The
// status must be one of git.CommentThreadStatusValues ("active", "fixed",
// "wontFix", "closed", "byDesign", "pending" or "unknown"); an unknown
// status or thread id panics. Safe to call while serving.
func (pr *PullRequest) SetThreadStatus(id int, status string) {
	v := git.CommentThreadStatusValues
	switch git.CommentThreadStatus(status) {
	case v.Active, v.Fixed, v.WontFix, v.Closed, v.ByDesign, v.Pending, v.Unknown:
	default:
		panic(fmt.Sprintf("azdosim: invalid thread status %q", status))
	}
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := pr.thread(id)
	if t == nil {
		panic(fmt.Sprintf("azdosim: pull request %d has no thread %d", pr.id, id))
	}
	t.status = ptr(git.CommentThreadStatus(status))
	t.updated = s.now()
	s.notifyLocked()
}
