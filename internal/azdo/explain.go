package azdo

import (
	"context"
)

// Explain adds what an operator needs to a permission failure on a
// repository: who the PAT owner is, and whether a permission evaluation
// confirms the missing permission; for a write refused with 401 (taken for
// a missing write scope), whether the PAT itself is still accepted. It costs two or three calls and is meant
// for the failure path only. A PAT whose scopes do not allow evaluating
// permissions (KindCannotEvaluate) leaves the diagnosis unconfirmed. Other
// errors are returned unchanged.
func (c *Client) Explain(ctx context.Context, projectID, repositoryID, repositoryName string, err error) error {
	e, ok := AsError(err)
	if ok && e.Kind == KindMissingScope {
		return c.explainWriteRefusal(ctx, e)
	}
	if ok && e.Kind == KindNotMember {
		return c.explainNotMember(ctx, e)
	}
	if !ok || e.Kind != KindForbidden {
		return err
	}
	x := *e
	x.Repository = repositoryName
	if who, werr := c.WhoAmI(ctx); werr == nil {
		x.Identity = who
	}
	perms := ReviewPermissions()
	if x.Permission != 0 {
		perms = []GitPermission{x.Permission}
	}
	for _, p := range perms {
		has, perr := c.HasPermission(ctx, projectID, repositoryID, p)
		if pe, ok := AsError(perr); ok && pe.Kind == KindCannotEvaluate {
			// The PAT's scopes do not allow evaluating: the 403 keeps its
			// diagnosis, unconfirmed, and the other bits are not tried.
			break
		}
		if perr == nil && !has {
			x.Permission, x.Confirmed = p, true
			break
		}
	}
	return &x
}

// explainWriteRefusal tells a write refused with 401 after the reads
// succeeded — a missing write scope — from a PAT refused outright since
// (revoked or expired while the review ran): one call that needs no
// scope, reading who the PAT is. Refused too, that call's error is the
// cause; accepted, the missing scope is confirmed.
func (c *Client) explainWriteRefusal(ctx context.Context, e *Error) error {
	_, werr := c.WhoAmI(ctx)
	if we, ok := AsError(werr); ok && (we.Kind == KindUnauthorized || we.Kind == KindSignInPage) {
		x := *we
		x.Write, x.Message = true, "the PAT was refused while the review ran: "+we.Message
		return &x
	}
	x := *e
	x.Confirmed = werr == nil
	return &x
}

// explainNotMember tells an Entra identity the organisation does not know
// from one it knows but refuses (no access level that includes Repos): one
// call reading who the caller is, which any member may make.
func (c *Client) explainNotMember(ctx context.Context, e *Error) error {
	if _, werr := c.WhoAmI(ctx); werr != nil {
		return e
	}
	return KnownIdentity(e)
}

// KnownIdentity reclassifies the error of a call made by an identity Azure
// DevOps is known to accept (WhoAmI succeeded): a KindNotMember there is a
// member without an access level that includes Repos, KindNoAccessLevel.
// Other errors are returned unchanged.
func KnownIdentity(err error) error {
	e, ok := AsError(err)
	if !ok || e.Kind != KindNotMember {
		return err
	}
	x := *e
	x.Kind = KindNoAccessLevel
	return &x
}
