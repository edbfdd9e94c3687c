package azdosim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// Server is a running Azure DevOps simulator. Create it with Start, populate
// it with AddPAT and AddOrg, and stop it with Close. All methods are safe for
// concurrent use, including concurrently with requests being served.
type Server struct {
	url          string
	srv          *http.Server
	serveDone    chan struct{}
	handler      http.Handler
	routes       []route
	deploymentID uuid.UUID
	closed       chan struct{} // closed when Close begins
	closeOnce    sync.Once
	closeErr     error

	// connMu guards conns and closing, the connection tracking that lets
	// Close drop connections that never sent a request.
	connMu  sync.Mutex
	conns   map[net.Conn]http.ConnState
	closing bool

	// mu guards everything below and all state reachable from orgs.
	mu         sync.Mutex
	pats       map[string]*token
	orgs       []*Org
	requests   []Request
	signInPage bool                     // see SetSignInPage
	vdir       atomic.Value             // string, see SetVirtualDirectory; read without mu
	storeText  func(string) string      // see StoreCommentsAs; nil: as sent
	rateLimit  RateLimit                // see Server.RateLimit; Requests counts down
	slowDown   RateLimit                // see Server.SlowDown; Requests counts down
	failures   map[string][]failure     // see FailRequests; by operation
	failAfter  map[string]int           // see FailAfterApplying; by operation
	delays     map[string]time.Duration // see Delay; by operation
	blobsFault BlobsZipFault            // see SetBlobsZipFault
	logged     int                      // requests logged since Start, see Count
	counts     map[string]int           // requests logged by operation, see Count
	changed    chan struct{}            // closed and replaced on every change, see notifyLocked
	entra      entraState               // Entra principals and their tokens, see principals.go

	throttle throttleState // see Server.Throttle; its own lock
}

// Request is one entry of the request log: an HTTP request the simulator
// answered. It never contains credentials.
type Request struct {
	// Method is the HTTP method, e.g. "GET".
	Method string
	// Path is the percent-decoded URL path, e.g. "/Fabrikam Fiber/_apis".
	Path string
	// RawQuery is the encoded query string without the "?".
	RawQuery string
	// Status is the HTTP status code of the response, injected failures
	// included, or StatusClientClosedRequest when the client gave up while
	// the request was delayed (see Delay).
	Status int
	// Operation names the API operation, e.g. "git.threads.create"; it is
	// empty when the request matched no route.
	Operation string
	// APIVersion is the api-version the client asked for (Accept header or
	// query), e.g. "7.1-preview.1"; empty for OPTIONS.
	APIVersion string
	// At is when the request arrived.
	At time.Time
	// Caller is the UniqueName of the identity the request authenticated
	// as ("" when it sent no credentials or they were refused).
	Caller string
}

// shutdownTimeout bounds how long Close waits for in-flight requests.
const shutdownTimeout = 5 * time.Second

// maxBodyBytes bounds request bodies.
const maxBodyBytes = 16 << 20

// maxLoggedRequests bounds the request log; beyond it the oldest entries are
// dropped, so that long demo runs and benchmarks do not grow without limit.
const maxLoggedRequests = 100_000

// Start serves a new simulator on addr, a TCP address such as
// "127.0.0.1:0" (port 0 picks a free port). The simulator is reachable at
// URL() as soon as Start returns.
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("azdosim: listen on %s: %w", addr, err)
	}
	s := &Server{
		url:          "http://" + ln.Addr().String(),
		serveDone:    make(chan struct{}),
		closed:       make(chan struct{}),
		routes:       routeTable(),
		deploymentID: uuid.New(),
		pats:         make(map[string]*token),
		conns:        make(map[net.Conn]http.ConnState),
		counts:       make(map[string]int),
		changed:      make(chan struct{}),
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState:         s.trackConn,
	}
	go func() {
		defer close(s.serveDone)
		_ = s.srv.Serve(ln) // always returns http.ErrServerClosed after Close
	}()
	return s, nil
}

// URL returns the server's base URL, "http://127.0.0.1:PORT", without a
// trailing slash.
func (s *Server) URL() string { return s.url }

// Handler returns the simulator's HTTP handler, for serving it through a
// wrapper (for example to inject faults) on another listener. URLs inside
// responses and Org.URL keep pointing at URL().
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the listener, waits (up to a few seconds) for in-flight
// requests to finish, closes all connections and returns once the serving
// goroutine has exited. Delayed requests are served without waiting out
// their delay, and WaitThreads and WaitRequests return an error. Calling
// Close more than once is harmless.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		// Shutdown waits up to 5 seconds for connections that were opened
		// but never sent a request (the SDK's transport dials spare ones);
		// they carry no work, so close them right away.
		s.connMu.Lock()
		s.closing = true
		for c, state := range s.conns {
			if state == http.StateNew {
				_ = c.Close()
			}
		}
		s.connMu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		err := s.srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = s.srv.Close()
		}
		<-s.serveDone
		s.closeErr = err
	})
	return s.closeErr
}

// trackConn records connection states for Close; once closing, new
// connections are closed immediately.
func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	switch state {
	case http.StateNew:
		if s.closing {
			_ = c.Close()
			return
		}
		s.conns[c] = state
	case http.StateActive, http.StateIdle:
		if _, ok := s.conns[c]; ok {
			s.conns[c] = state
		}
	case http.StateHijacked, http.StateClosed:
		delete(s.conns, c)
	}
}

// Requests returns a copy of the request log, oldest first. The log keeps
// the latest 100,000 requests.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// now is the simulator's clock.
func (s *Server) now() time.Time { return time.Now().UTC() }

// serveHTTP resolves the organization, matches a route, authenticates the
// caller and runs the operation, then records the request in the log and
// answers — in this order, so that a client holding the answer finds its
// request logged.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	at := s.now()
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	r, caller := withCaller(r)
	op, resp := s.dispatch(r)
	defer resp.write(w)
	s.logRequest(Request{
		Caller:     *caller,
		Method:     r.Method,
		Path:       r.URL.Path,
		RawQuery:   r.URL.RawQuery,
		Status:     resp.status,
		Operation:  op,
		APIVersion: apiVersion(r),
		At:         at,
	})
}

// dispatch answers r and returns the operation name and the response. The
// checks run in this order: organization, route (404/405), delay (see
// Delay; 499 if the client gives up), credentials (401, or the 203 sign-in
// page; 401 for a PAT outside the organizations LimitPATToOrgs names), rate limit (429), injected server error (FailRequests), api-version
// (400), PAT scope (401), then the operation itself (permissions 403/404,
// not found, …), whose success FailAfterApplying may replace with a 500. A
// panicking operation is answered with a 500 naming the panic rather than a
// dropped connection.
func (s *Server) dispatch(r *http.Request) (op string, resp *response) {
	defer func() {
		if v := recover(); v != nil {
			resp = errorResponse(newAPIError(http.StatusInternalServerError, webAPIAssembly,
				"VssServiceException", fmt.Sprintf("azdosim: %s panicked: %v", op, v)))
		}
	}()
	segs, ok := splitPath(r.URL.EscapedPath())
	if vdir := s.virtualDirectory(); ok && vdir != "" {
		if len(segs) == 0 || !strings.EqualFold(segs[0], vdir) {
			return "", errorResponse(errRouteNotFound(r.URL.Path))
		}
		segs = segs[1:]
	}
	if !ok || len(segs) == 0 {
		return "", errorResponse(errRouteNotFound(r.URL.Path))
	}
	org := s.lookupOrg(segs[0])
	if org == nil {
		return "", errorResponse(errOrgNotFound(segs[0]))
	}
	rt, project, params, apiErr := matchRoute(s.routes, r.Method, segs[1:])
	if apiErr != nil {
		return "", errorResponse(apiErr)
	}
	op = rt.op
	if !s.delay(r.Context(), op) {
		return op, clientClosedResponse()
	}
	tok, apiErr := s.authenticate(r, rt.anonymous)
	if apiErr != nil {
		if s.signInPageOn() {
			return rt.op, signInPageResponse()
		}
		return rt.op, errorResponse(apiErr)
	}
	if tok != nil && tok.principal == nil && !tok.validIn(org) {
		return rt.op, errorResponse(errUnauthorized())
	}
	if tok != nil && tok.principal != nil {
		if apiErr := s.admit(org, tok, op); apiErr != nil {
			return rt.op, errorResponse(apiErr)
		}
	}
	var who Identity
	var throttleHeader map[string]string
	if tok != nil {
		who = tok.who
		recordCaller(r, who)
		blocked, h, ok := s.throttled(r.Context(), org, who, r.Method)
		switch {
		case !ok:
			return rt.op, blocked
		case blocked != nil:
			return rt.op, blocked
		}
		throttleHeader = h
		defer func() {
			if resp == nil {
				return
			}
			s.chargeAnswer(org, who, len(resp.body))
			if len(throttleHeader) > 0 {
				if resp.header == nil {
					resp.header = map[string]string{}
				}
				for k, v := range throttleHeader {
					if _, set := resp.header[k]; !set {
						resp.header[k] = v
					}
				}
			}
		}()
		if resp := s.takeRateLimit(); resp != nil {
			return rt.op, resp
		}
		if resp := s.takeFailure(op); resp != nil {
			return rt.op, resp
		}
	}
	if r.Method != http.MethodOptions && apiVersion(r) == "" {
		return rt.op, errorResponse(errVersionNotSpecified(r.Method))
	}
	if tok != nil && !tok.allows(rt.access) {
		return rt.op, errorResponse(errMissingScope(who))
	}
	c := &call{s: s, r: r, org: org, project: project, params: params, who: who}
	resp, err := rt.handle(c)
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = newAPIError(http.StatusInternalServerError, webAPIAssembly, "VssServiceException", err.Error())
		}
		return rt.op, errorResponse(ae)
	}
	if tok != nil && resp.status >= 200 && resp.status < 300 {
		if failed := s.takeFailAfterApplying(op); failed != nil {
			return rt.op, failed
		}
		s.takeSlowDown(resp)
	}
	return rt.op, resp
}

// logRequest appends req to the request log after removing any PAT that
// appears in its path or query, counts it and wakes waiters.
func (s *Server) logRequest(req Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for pat := range s.pats {
		req.Path = redact(req.Path, pat)
		req.RawQuery = redact(req.RawQuery, pat)
	}
	if len(s.requests) >= maxLoggedRequests {
		s.requests = s.requests[1:]
	}
	s.requests = append(s.requests, req)
	s.logged++
	if req.Operation != "" {
		s.counts[req.Operation]++
	}
	s.notifyLocked()
}

// lookupOrg finds an organization by its percent-decoded name, ignoring case
// (the SDK lowercases the whole organization URL).
func (s *Server) lookupOrg(name string) *Org {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orgs {
		if strings.EqualFold(o.name, name) {
			return o
		}
	}
	return nil
}

// apiVersion returns the api-version a request asks for, from the query or
// the Accept header, or "" if it names none.
func apiVersion(r *http.Request) string {
	if v := r.URL.Query().Get("api-version"); v != "" {
		return v
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "api-version") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
