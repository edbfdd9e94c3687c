package azdosim

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/webapi"
)

// Identity is a user as Azure DevOps reports it: the owner of a PAT, the
// author of a pull request or comment.
type Identity struct {
	// ID is the identity's GUID. AddPAT and CreatePullRequest fill an empty
	// ID with a GUID derived from UniqueName (or DisplayName).
	ID string
	// DisplayName is the name shown in the UI, e.g. "Jamal Hartnett".
	DisplayName string
	// UniqueName is the sign-in name, e.g. "jamal@fabrikam.example".
	UniqueName string
}

// identityNamespace seeds the GUIDs derived for identities without an ID.
const identityNamespace = "6f1c1f8e-4d8b-4c55-9a43-5d1b8e0f2a10"

// normalized returns who with an ID and DisplayName filled in. It panics if
// ID is set but is not a GUID, because the SDK decodes identity ids as GUIDs.
func (who Identity) normalized() Identity {
	if who.DisplayName == "" {
		who.DisplayName = who.UniqueName
	}
	if who.ID == "" {
		who.ID = uuid.NewSHA1(uuid.MustParse(identityNamespace), []byte(who.UniqueName+"\x00"+who.DisplayName)).String()
	} else if _, err := uuid.Parse(who.ID); err != nil {
		panic(fmt.Sprintf("azdosim: identity id %q is not a GUID", who.ID))
	}
	return who
}

// token is the state of a registered personal access token.
type token struct {
	who       Identity
	expired   bool       // see ExpirePAT
	scopes    []string   // see LimitScopes; nil means full access
	orgs      []string   // see LimitPATToOrgs; nil means every organization
	principal *Principal // an Entra bearer token's; nil for a PAT
}

// AddPAT registers a personal access token that authenticates as who in
// every organization of this server, with full access and no expiry. An
// empty who.ID is filled with a GUID derived from the names; a non-GUID ID
// panics. Adding an existing PAT replaces its identity and, like issuing a
// new token, clears ExpirePAT and LimitScopes.
func (s *Server) AddPAT(pat string, who Identity) {
	if pat == "" {
		panic("azdosim: empty PAT")
	}
	who = who.normalized()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pats[pat] = &token{who: who}
}

// authenticate resolves the caller from the Authorization header, which must
// be "Basic base64(user:PAT)" with any user part, or "Bearer <token>" with
// a token the simulator's Entra endpoint issued (see StartEntra). It returns a copy of the
// PAT's state, or nil for an anonymous request. Requests without
// credentials are allowed only on anonymous routes; invalid and expired
// credentials are always rejected.
func (s *Server) authenticate(r *http.Request, anonymous bool) (*token, *apiError) {
	header := r.Header.Get("Authorization")
	if header == "" {
		if anonymous {
			return nil, nil
		}
		return nil, errAnonymous()
	}
	scheme, encoded, ok := strings.Cut(header, " ")
	if ok && strings.EqualFold(scheme, "Bearer") {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.bearerToken(strings.TrimSpace(encoded))
	}
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return nil, errUnauthorized()
	}
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return nil, errUnauthorized()
	}
	_, pat, ok := strings.Cut(string(decoded), ":")
	if !ok || pat == "" {
		return nil, errUnauthorized()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.pats[pat]
	switch {
	case !ok:
		return nil, errUnauthorized()
	case tok.expired:
		return nil, errPATExpired()
	}
	cp := *tok // scopes is replaced, never modified in place
	return &cp, nil
}

// mustToken returns a registered PAT's state or panics (without echoing
// the PAT). Requires s.mu.
func (s *Server) mustToken(pat, caller string) *token {
	tok, ok := s.pats[pat]
	if !ok {
		panic("azdosim: " + caller + " of a PAT that was never added")
	}
	return tok
}

// redact replaces every occurrence of pat, raw or query-escaped, in text.
func redact(text, pat string) string {
	text = strings.ReplaceAll(text, pat, "***")
	if esc := url.QueryEscape(pat); esc != pat {
		text = strings.ReplaceAll(text, esc, "***")
	}
	return text
}

// identityRef returns who as an IdentityRef with URLs inside org.
func (o *Org) identityRef(who Identity) *webapi.IdentityRef {
	return &webapi.IdentityRef{
		Id:          ptr(who.ID),
		DisplayName: ptr(who.DisplayName),
		UniqueName:  ptr(who.UniqueName),
		Url:         ptr(o.URL() + "/_apis/Identities/" + who.ID),
		ImageUrl:    ptr(o.URL() + "/_api/_common/identityImage?id=" + who.ID),
		Descriptor:  ptr("aad." + base64.RawStdEncoding.EncodeToString([]byte(who.ID))),
	}
}
