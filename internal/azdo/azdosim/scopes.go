package azdosim

import (
	"slices"
	"strings"
)

// access classifies what a route does for PAT scope checks (reference
// §7.3). A PAT limited with LimitScopes passes a route if it holds any of
// the scopes the route's access class accepts.
type access int

const (
	// accessAny routes need no scope: discovery and connection data.
	accessAny access = iota
	// accessCodeRead reads pull requests, iterations, changes and items.
	accessCodeRead
	// accessThreadRead reads comment threads and comments.
	accessThreadRead
	// accessThreadWrite creates or updates threads and comments.
	accessThreadWrite
	// accessStatusRead reads pull request statuses.
	accessStatusRead
	// accessStatusWrite creates pull request statuses.
	accessStatusWrite
	// accessHooksRead lists service-hook subscriptions.
	accessHooksRead
	// accessHooksWrite creates and replaces service-hook subscriptions.
	accessHooksWrite
	// accessSecurityRead evaluates permissions (HasPermissions and the
	// permission evaluation batch). The spec lists no scope for them, and
	// vso.security_manage for the security API's other operations; since
	// every REST API was given a PAT scope (devblogs, November 2022) the
	// likeliest is vso.security_manage. Unverified against a real
	// organisation.
	accessSecurityRead
)

// SecurityScope is the scope the simulator's permission evaluation
// endpoints accept (see accessSecurityRead).
const SecurityScope = "vso.security_manage"

// acceptedScopes returns the scopes any one of which allows a.
func (a access) acceptedScopes() []string {
	codeRead := []string{"vso.code", "vso.code_write", "vso.code_manage", "vso.code_full"}
	codeWrite := []string{"vso.code_write", "vso.code_manage", "vso.code_full"}
	switch a {
	case accessCodeRead:
		return codeRead
	case accessThreadRead:
		return append(codeRead, "vso.threads_full")
	case accessThreadWrite:
		return append(codeWrite, "vso.threads_full")
	case accessStatusRead:
		return append(codeRead, "vso.code_status")
	case accessStatusWrite:
		return append(codeWrite, "vso.code_status")
	case accessHooksRead:
		return append(codeRead, "vso.hooks", "vso.hooks_write", "vso.hooks_interact",
			"vso.build", "vso.build_execute", "vso.work", "vso.work_write", "vso.work_full")
	case accessHooksWrite:
		return []string{"vso.hooks_write"}
	case accessSecurityRead:
		return []string{SecurityScope}
	}
	return nil
}

// allows reports whether the PAT's scopes cover a route of class a.
func (t *token) allows(a access) bool {
	if t.scopes == nil || a == accessAny {
		return true
	}
	accepted := a.acceptedScopes()
	return slices.ContainsFunc(t.scopes, func(scope string) bool {
		return slices.ContainsFunc(accepted, func(ok string) bool { return strings.EqualFold(scope, ok) })
	})
}

// LimitScopes restricts pat, which must have been added with AddPAT, to the
// given OAuth scopes, e.g. "vso.code" (read code, pull requests and
// threads), "vso.code_write", "vso.code_status", "vso.threads_full",
// "vso.hooks", "vso.security_manage" (permission evaluation). Requests outside them are answered 401 (see doc.go). No
// scopes restores full access. Safe to call while serving.
func (s *Server) LimitScopes(pat string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.mustToken(pat, "LimitScopes")
	if len(scopes) == 0 {
		tok.scopes = nil
		return
	}
	tok.scopes = slices.Clone(scopes)
}
