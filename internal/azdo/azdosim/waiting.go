package azdosim

import (
	"context"
	"errors"
	"fmt"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// This file lets tests wait for the simulator's state instead of polling
// it: every change of the request log or of a pull request's threads closes
// the server's changed channel and replaces it, waking every waiter.

// notifyLocked wakes everyone waiting for a state change. Requires s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor returns once done, called with s.mu held, reports true, or with
// ctx's error when ctx ends first, or an error when the server closes.
func (s *Server) waitFor(ctx context.Context, done func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return errors.New("server closed")
		}
	}
}

// Count returns how many requests of operation op the request log has
// recorded since Start, whatever their status — failed, rate-limited and
// abandoned ones (StatusClientClosedRequest) included; "" counts every
// request, including those that matched no route. Unlike Requests it is not
// limited to the latest 100,000 requests. It panics if op is not an
// operation the simulator serves.
func (s *Server) Count(op string) int {
	s.mustOperation(op, "Count")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.countLocked(op)
}

// countLocked is Count without the check. Requires s.mu.
func (s *Server) countLocked(op string) int {
	if op == "" {
		return s.logged
	}
	return s.counts[op]
}

// WaitRequests returns once Count(op) is at least n, or with ctx's error
// when ctx ends first (an error too if the server is closed). A request is
// counted after its response has been written. It panics if op is not an
// operation the simulator serves.
func (s *Server) WaitRequests(ctx context.Context, op string, n int) error {
	s.mustOperation(op, "WaitRequests")
	err := s.waitFor(ctx, func() bool { return s.countLocked(op) >= n })
	if err != nil {
		return fmt.Errorf("azdosim: waiting for %d %q requests: %w", n, op, err)
	}
	return nil
}

// WaitThreads returns the pull request's threads, as Threads does, once it
// has at least n of them (threads GetThreads lists: those dropped by
// DropThreadWrites do not count). When ctx ends first (or the server
// closes) it returns the threads there are and an error wrapping ctx's.
func (pr *PullRequest) WaitThreads(ctx context.Context, n int) ([]git.GitPullRequestCommentThread, error) {
	s := pr.server()
	err := s.waitFor(ctx, func() bool { return len(pr.threads) >= n })
	threads := pr.Threads()
	if err != nil {
		return threads, fmt.Errorf("azdosim: waiting for %d threads on pull request %d, have %d: %w", n, pr.id, len(threads), err)
	}
	return threads, nil
}

// WaitThreadsMatch returns the pull request's threads once ok accepts them
// (checked at every change: a new thread, an edited comment, a status or
// property change), or with an error when ctx ends or the server closes.
func (pr *PullRequest) WaitThreadsMatch(ctx context.Context, ok func([]git.GitPullRequestCommentThread) bool) ([]git.GitPullRequestCommentThread, error) {
	s := pr.server()
	var last []git.GitPullRequestCommentThread
	err := s.waitFor(ctx, func() bool {
		last = make([]git.GitPullRequestCommentThread, 0, len(pr.threads))
		for _, t := range pr.threads {
			last = append(last, pr.threadModel(t))
		}
		last = roundTrip(last)
		return ok(last)
	})
	if err != nil {
		return last, fmt.Errorf("azdosim: waiting for the threads of pull request %d: %w", pr.id, err)
	}
	return last, nil
}
