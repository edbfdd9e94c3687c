package azdosim

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// This file holds the fault modes: misbehaviour of the real service that
// tests switch on to exercise the product's error handling. doc.go lists
// what each reproduces.

// SetSignInPage switches sign-in page mode on or off. While on, a request
// with an unknown, malformed, expired or (on a route that needs one)
// missing PAT is answered 203 Non-Authoritative Information with an HTML
// sign-in page instead of the 401 JSON error. Safe to call while serving.
func (s *Server) SetSignInPage(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signInPage = on
}

func (s *Server) signInPageOn() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signInPage
}

// signInPageHTML imitates the page Azure DevOps serves to a client it wants
// to send through interactive sign-in.
const signInPageHTML = `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>Azure DevOps Services | Sign In</title>
<meta http-equiv="X-UA-Compatible" content="IE=11;&#32;IE=10;&#32;IE=9;&#32;IE=8">
</head>
<body>
<div class="signin-page">
<h1>Sign in to Azure DevOps</h1>
<p>You need to sign in to continue to Azure DevOps.</p>
<a href="https://app.vssps.visualstudio.com/_signin">Sign in</a>
</div>
</body>
</html>
`

// signInPageResponse is the 203 HTML answer of sign-in page mode.
func signInPageResponse() *response {
	return &response{
		status:      http.StatusNonAuthoritativeInfo,
		contentType: "text/html; charset=utf-8",
		body:        []byte(signInPageHTML),
	}
}

// ExpirePAT marks pat, which must have been added with AddPAT, as expired:
// every request with it is answered 401 AccessCheckException "Access
// Denied: The Personal Access Token used has expired." (or the sign-in page
// in sign-in page mode). AddPAT with the same PAT renews it. Safe to call
// while serving.
func (s *Server) ExpirePAT(pat string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustToken(pat, "ExpirePAT").expired = true
}

// RevokePAT revokes pat, which must have been added with AddPAT: every
// request with it is then answered as for a PAT the service does not know
// (401 TF400813, or the sign-in page in sign-in page mode), as when an
// administrator revokes it while a review runs. AddPAT adds it again. Safe
// to call while serving.
func (s *Server) RevokePAT(pat string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mustToken(pat, "RevokePAT")
	delete(s.pats, pat)
}

// RateLimit describes a burst of throttled requests, see Server.RateLimit.
type RateLimit struct {
	// Requests is how many upcoming authenticated requests are blocked.
	Requests int
	// RetryAfter is announced in Retry-After (whole seconds, rounded up)
	// and X-RateLimit-Reset.
	RetryAfter time.Duration
	// Resource names the exhausted resource in the message and in
	// X-RateLimit-Resource; empty means "Core".
	Resource string
}

// rateLimitTSTUs is the global limit the service reports in
// X-RateLimit-Limit: 200 TSTUs per sliding five minutes (reference §6).
const rateLimitTSTUs = 200

// RateLimit blocks the next rl.Requests requests that carry a valid PAT
// (discovery included, whoever the PAT belongs to) with 429 and Azure's
// RequestBlockedException body and rate-limit headers. It replaces any
// blocking still pending; rl.Requests <= 0 cancels it. Safe to call while
// serving.
func (s *Server) RateLimit(rl RateLimit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimit = rl.withDefaults()
}

// withDefaults is rl with its resource defaulted to "Core" and a negative
// count as none.
func (rl RateLimit) withDefaults() RateLimit {
	if rl.Resource == "" {
		rl.Resource = "Core"
	}
	rl.Requests = max(rl.Requests, 0)
	return rl
}

// SlowDown makes the next rl.Requests authenticated requests that succeed
// carry the headers Azure DevOps sends while it delays an identity that
// nears its limit, before it blocks it: Retry-After (rl.RetryAfter, whole
// seconds, rounded up), X-RateLimit-Delay (the same, in seconds with
// decimals), X-RateLimit-Resource, X-RateLimit-Limit, X-RateLimit-Remaining
// (1) and X-RateLimit-Reset (reference §6). The answer stays a success.
// Safe to call while serving.
func (s *Server) SlowDown(rl RateLimit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slowDown = rl.withDefaults()
}

// takeSlowDown adds SlowDown's headers to a successful resp while any are
// left to add.
func (s *Server) takeSlowDown(resp *response) {
	s.mu.Lock()
	if s.slowDown.Requests <= 0 {
		s.mu.Unlock()
		return
	}
	s.slowDown.Requests--
	rl := s.slowDown
	now := s.now()
	s.mu.Unlock()
	wait := int64(math.Ceil(max(rl.RetryAfter, 0).Seconds()))
	if resp.header == nil {
		resp.header = map[string]string{}
	}
	resp.header["Retry-After"] = strconv.FormatInt(wait, 10)
	resp.header["X-RateLimit-Delay"] = strconv.FormatFloat(rl.RetryAfter.Seconds(), 'f', 3, 64)
	resp.header["X-RateLimit-Resource"] = rl.Resource
	resp.header["X-RateLimit-Limit"] = strconv.Itoa(rateLimitTSTUs)
	resp.header["X-RateLimit-Remaining"] = "1"
	resp.header["X-RateLimit-Reset"] = strconv.FormatInt(now.Unix()+wait, 10)
}

// takeRateLimit consumes one blocked request and returns its 429 response,
// or returns nil when no request is to be blocked.
func (s *Server) takeRateLimit() *response {
	s.mu.Lock()
	if s.rateLimit.Requests <= 0 {
		s.mu.Unlock()
		return nil
	}
	s.rateLimit.Requests--
	rl := s.rateLimit
	s.mu.Unlock()

	wait := int64(math.Ceil(max(rl.RetryAfter, 0).Seconds()))
	resp := errorResponse(errRequestBlocked(rl.Resource))
	resp.header["Retry-After"] = strconv.FormatInt(wait, 10)
	resp.header["X-RateLimit-Resource"] = rl.Resource
	resp.header["X-RateLimit-Limit"] = strconv.Itoa(rateLimitTSTUs)
	resp.header["X-RateLimit-Remaining"] = "0"
	resp.header["X-RateLimit-Reset"] = strconv.FormatInt(s.now().Unix()+wait, 10)
	return resp
}

// DropThreadWrites switches the "silent drop" fault for this pull request:
// while on, creating a thread answers 200 with a complete thread (a new id,
// its comments written by the caller, typed properties) but stores
// nothing, so GetThreads and Threads do not list it. Replies and thread
// updates are unaffected. Safe to call while serving.
func (pr *PullRequest) DropThreadWrites(on bool) {
	s := pr.server()
	s.mu.Lock()
	defer s.mu.Unlock()
	pr.dropThreadWrites = on
}

// StoreCommentsAs makes the simulator store every comment text it is sent
// (new threads, replies, edits) as f returns it, as Azure DevOps would if it
// normalised what it keeps — line endings, trailing white space, Unicode
// normalisation, a length cap [unverified which it does]. nil stores texts
// as sent, the default. Safe to call while serving.
func (s *Server) StoreCommentsAs(f func(string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeText = f
}

// storedTextLocked is text as the simulator stores it; s.mu must be held.
func (s *Server) storedTextLocked(text string) string {
	if s.storeText == nil {
		return text
	}
	return s.storeText(text)
}

// SetVirtualDirectory makes the simulator answer as Azure DevOps Server
// installed under a virtual directory (IIS's "tfs" by default): every
// organization — a collection, in Server's terms — is served below it
// (http://127.0.0.1:port/tfs/DefaultCollection), Org.URL says so, and
// events name the server (…/tfs/) as their account and the collection as
// their collection. "" (the default) serves organizations at the root, as
// Azure DevOps Services does. Call it before handing out URLs.
func (s *Server) SetVirtualDirectory(dir string) {
	s.vdir.Store(strings.Trim(dir, "/"))
}

// virtualDirectory is SetVirtualDirectory's directory; it needs no lock,
// since URLs are made under s.mu.
func (s *Server) virtualDirectory() string {
	dir, _ := s.vdir.Load().(string)
	return dir
}

// rootURL is the URL organizations are served below, ending in "/".
func (s *Server) rootURL() string {
	if vdir := s.virtualDirectory(); vdir != "" {
		return s.url + "/" + url.PathEscape(vdir) + "/"
	}
	return s.url + "/"
}
