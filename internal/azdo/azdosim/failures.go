package azdosim

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// This file holds the injected server errors: 5xx answers instead of, or
// after, serving an operation. doc.go lists what they reproduce.

// failure is a batch of requests FailRequests is to fail.
type failure struct {
	remaining  int
	status     int
	retryAfter time.Duration
	retryAt    time.Time // Retry-After as an HTTP-date; zero: none
	page       bool      // answered with the front door's HTML error page
}

// FailRequests makes the next n requests of operation op (an Operation name
// of the request log such as "git.threads.create"; "" means any operation)
// that carry a valid PAT answer status, which must be 500, 502, 503 or 504,
// with Azure's JSON error body for that status (see doc.go) instead of
// being served; nothing is applied. When retryAfter is positive the answer
// carries Retry-After in whole seconds, rounded up. Calls accumulate: each
// adds a batch after those already pending for op, and a request takes from
// its operation's batches before those of "". A rate-limited request (see
// RateLimit) is answered 429 and does not consume a failure. n <= 0 adds
// nothing. It panics if op is not an operation the simulator serves or
// status is not one of the four. Safe to call while serving.
func (s *Server) FailRequests(op string, n int, status int, retryAfter time.Duration) {
	s.addFailure("FailRequests", op, n, failure{status: status, retryAfter: retryAfter},
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout)
}

// FailRequestsUntil is FailRequests with Retry-After in its other form,
// an HTTP-date (RFC 9110 §10.2.3): until, in whole seconds, as a proxy or
// an Azure DevOps Server may send it; the client reads it against its own
// clock. A zero until sends no Retry-After.
func (s *Server) FailRequestsUntil(op string, n int, status int, until time.Time) {
	s.addFailure("FailRequestsUntil", op, n, failure{status: status, retryAt: until},
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout)
}

// FailRequestsWithPage is FailRequests answered as Azure's front door
// answers when the service behind it fails: status 502, 503 or 504 with an
// HTML error page of its own (Content-Type text/html) instead of Azure
// DevOps' JSON error body.
func (s *Server) FailRequestsWithPage(op string, n int, status int) {
	s.addFailure("FailRequestsWithPage", op, n, failure{status: status, page: true},
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout)
}

// addFailure adds a batch of n failures f for op, after checking op and
// that f's status is one of allowed; caller names the method in panics.
func (s *Server) addFailure(caller, op string, n int, f failure, allowed ...int) {
	s.mustOperation(op, caller)
	if !slices.Contains(allowed, f.status) {
		panic(fmt.Sprintf("azdosim: %s with status %d, want one of %v", caller, f.status, allowed))
	}
	if n <= 0 {
		return
	}
	f.remaining = n
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures == nil {
		s.failures = make(map[string][]failure)
	}
	s.failures[op] = append(s.failures[op], f)
}

// frontDoorPage imitates the HTML error page a front door in front of
// Azure DevOps answers with when the service behind it fails.
const frontDoorPage = `<!DOCTYPE html>
<html>
<head><title>Our services aren't available right now</title></head>
<body>
<h2>Our services aren't available right now</h2>
<p>We're working to restore all services as soon as possible. Please check back soon.</p>
</body>
</html>
`

// FailAfterApplying makes the next n requests of operation op ("" means any)
// that carry a valid PAT and that the operation answers with success be
// applied — a created thread is stored, a status is set — and then answered
// 500 with the VssServiceException "TF400898: An Internal Error Occurred"
// body instead of the success. A client that retries the failed POST
// therefore writes twice. Requests the operation answers with an error
// (403, 404, …) get that error and do not consume a failure. Calls
// accumulate per op, and a request takes from its operation's count before
// that of "". n <= 0 adds nothing. It panics if op is not an operation the
// simulator serves. Safe to call while serving.
func (s *Server) FailAfterApplying(op string, n int) {
	s.mustOperation(op, "FailAfterApplying")
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failAfter == nil {
		s.failAfter = make(map[string]int)
	}
	s.failAfter[op] += n
}

// takeFailure consumes one pending FailRequests failure for op and returns
// its response, or returns nil when the request is to be served.
func (s *Server) takeFailure(op string) *response {
	s.mu.Lock()
	var f failure
	found := false
	for _, key := range []string{op, ""} {
		batches := s.failures[key]
		if len(batches) == 0 {
			continue
		}
		f, found = batches[0], true
		if batches[0].remaining--; batches[0].remaining == 0 {
			batches = batches[1:]
		}
		if len(batches) == 0 {
			delete(s.failures, key)
		} else {
			s.failures[key] = batches
		}
		break
	}
	s.mu.Unlock()
	if !found {
		return nil
	}
	if f.page {
		return &response{status: f.status, contentType: "text/html; charset=utf-8", body: []byte(frontDoorPage)}
	}
	resp := serverFailureResponse(f.status)
	switch {
	case !f.retryAt.IsZero():
		resp.header["Retry-After"] = f.retryAt.UTC().Format(http.TimeFormat)
	case f.retryAfter > 0:
		resp.header["Retry-After"] = strconv.FormatInt(int64(math.Ceil(f.retryAfter.Seconds())), 10)
	}
	return resp
}

// takeFailAfterApplying consumes one pending FailAfterApplying failure for
// op and returns its 500 response, or returns nil when the operation's
// answer is to be sent.
func (s *Server) takeFailAfterApplying(op string) *response {
	s.mu.Lock()
	found := false
	for _, key := range []string{op, ""} {
		if s.failAfter[key] > 0 {
			if s.failAfter[key]--; s.failAfter[key] == 0 {
				delete(s.failAfter, key)
			}
			found = true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		return nil
	}
	return serverFailureResponse(http.StatusInternalServerError)
}

// serverFailureResponse answers an injected server error: the error body
// naming a new activity id, which the ActivityId header repeats as the
// service's does.
func serverFailureResponse(status int) *response {
	activityID := uuid.NewString()
	resp := errorResponse(errServerFailure(status, activityID))
	resp.header["ActivityId"] = activityID
	return resp
}

// mustOperation panics unless op is "" or the operation name of one of the
// simulator's routes, so that a misspelt name cannot make a fault silently
// match nothing.
func (s *Server) mustOperation(op, caller string) {
	if op == "" {
		return
	}
	for i := range s.routes {
		if s.routes[i].op == op {
			return
		}
	}
	panic(fmt.Sprintf("azdosim: %s: unknown operation %q", caller, op))
}
