package azdosim

import (
	"context"
	"time"
)

// StatusClientClosedRequest is the Status the request log records for a
// request whose client gave up (its context ended or its connection
// closed) while the request was delayed (see Delay): nothing was answered
// and the operation was not run. The code is nginx's "499 Client Closed
// Request"; Azure DevOps never sends it.
const StatusClientClosedRequest = 499

// Delay makes every request of operation op ("" means every request that
// matches a route) wait d after its route is matched and before anything
// else happens: authentication, faults and the operation itself. A
// request's delays for its operation and for "" add up. The wait honours
// the request's context: when the client gives up (a context deadline or
// cancellation closes the connection) the wait ends, the operation is not
// run, and the request log records StatusClientClosedRequest. Closing the
// server ends the wait too, and the request is then served. d <= 0 removes
// op's delay. It panics if op is not an operation the simulator serves.
// Safe to call while serving.
func (s *Server) Delay(op string, d time.Duration) {
	s.mustOperation(op, "Delay")
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.delays, op)
		return
	}
	if s.delays == nil {
		s.delays = make(map[string]time.Duration)
	}
	s.delays[op] = d
}

// delay waits out op's delay. It reports false when ctx ended first.
func (s *Server) delay(ctx context.Context, op string) bool {
	s.mu.Lock()
	d := s.delays[op]
	if op != "" {
		d += s.delays[""]
	}
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-s.closed:
		return true
	case <-ctx.Done():
		return false
	}
}

// clientClosedResponse stands for the answer nobody received: the client
// gave up during a delay.
func clientClosedResponse() *response {
	return &response{status: StatusClientClosedRequest, contentType: contentTypeText}
}
