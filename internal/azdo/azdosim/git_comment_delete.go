package azdosim

import "net/http"

// deleteComment serves DELETE …/threads/{threadId}/comments/{commentId}.
// As the service does, it keeps the comment and marks it isDeleted; thread
// and comment reads keep listing it so. Only its author may delete it (the
// service's answer to anyone else is not documented; the simulator answers
// as for an edit, 400 TF401192), and it needs GitPullRequestContribute. A
// comment already deleted is deleted again without complaint.
func (c *call) deleteComment() (*response, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	_, t, err := c.contributableThread()
	if err != nil {
		return nil, err
	}
	cm, err := c.ownComment(t, "delete")
	if err != nil {
		return nil, err
	}
	now := c.s.now()
	cm.deleted, cm.updated, t.updated = true, now, now
	c.s.notifyLocked()
	return &response{status: http.StatusOK, contentType: contentTypeJSON}, nil
}
