package azdosim

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// LimitPATToOrgs makes pat, which must have been added with AddPAT, valid in
// the named organizations only, as a PAT created for one organization is:
// elsewhere it is refused with 401 like an unknown token. No names restores
// every organization. Adding the PAT again (AddPAT) lifts the limit too.
// Safe to call while serving.
func (s *Server) LimitPATToOrgs(pat string, orgs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.mustToken(pat, "LimitPATToOrgs")
	if len(orgs) == 0 {
		tok.orgs = nil
		return
	}
	tok.orgs = slices.Clone(orgs)
}

// validIn reports whether the token may be used in org.
func (t *token) validIn(org *Org) bool {
	return t.orgs == nil || slices.ContainsFunc(t.orgs, func(name string) bool { return strings.EqualFold(name, org.name) })
}

// callerKey carries a request's *string caller from serveHTTP to dispatch.
type callerKey struct{}

// withCaller returns r with a place for dispatch to record the caller.
func withCaller(r *http.Request) (*http.Request, *string) {
	caller := new(string)
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, caller)), caller
}

// recordCaller records who authenticated r, for the request log.
func recordCaller(r *http.Request, who Identity) {
	if caller, ok := r.Context().Value(callerKey{}).(*string); ok {
		*caller = who.UniqueName
	}
}
