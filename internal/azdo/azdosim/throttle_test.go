package azdosim_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestThrottleHeadersThenDelaysThen429: under a budget of 10 units, the
// identity's reads (1 unit each) are answered plainly, then with
// X-RateLimit-Remaining from half the limit, then delayed with
// X-RateLimit-Delay and Retry-After above the limit, then blocked with
// 429 from 1.25 × the limit, uncharged.
func TestThrottleHeadersThenDelaysThen429(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	sim.Server.Throttle(azdosim.Throttle{Limit: 10, Window: time.Hour, MaxDelay: 20 * time.Millisecond})
	url := sim.Org.URL() + "/_apis/connectionData"
	type want struct {
		status    int
		remaining string // "": header absent
		delayed   bool
	}
	wants := []want{}
	for i := range 14 {
		switch {
		case i < 5:
			wants = append(wants, want{status: 200})
		case i < 10:
			wants = append(wants, want{status: 200, remaining: strconv.Itoa(10 - i - 1)})
		case i < 13:
			wants = append(wants, want{status: 200, remaining: "0", delayed: true})
		default:
			wants = append(wants, want{status: http.StatusTooManyRequests, remaining: "0"})
		}
	}
	for i, w := range wants {
		resp, _ := rawRequest(t, http.MethodGet, url, sim.PAT)
		require.Equal(t, w.status, resp.StatusCode, "request %d", i)
		require.Equal(t, w.remaining, resp.Header.Get("X-RateLimit-Remaining"), "request %d", i)
		if w.remaining != "" {
			require.Equal(t, "10", resp.Header.Get("X-RateLimit-Limit"), "request %d", i)
			require.Equal(t, "Core", resp.Header.Get("X-RateLimit-Resource"), "request %d", i)
			require.NotEmpty(t, resp.Header.Get("X-RateLimit-Reset"), "request %d", i)
		}
		require.Equal(t, w.delayed, resp.Header.Get("X-RateLimit-Delay") != "", "request %d: X-RateLimit-Delay", i)
		require.Equal(t, w.delayed || w.status == http.StatusTooManyRequests, resp.Header.Get("Retry-After") != "", "request %d: Retry-After", i)
	}
	st := sim.Server.ThrottleStats(sim.Org, sim.User)
	require.Equal(t, azdosim.ThrottleStats{Spent: 13, Delayed: 3, Blocked: 1, MaxInWindow: 13}, st)

	// Another identity has its own budget.
	other := sim.NewPAT(sim.Author)
	resp, _ := rawRequest(t, http.MethodGet, url, other)
	require.Equal(t, 200, resp.StatusCode)
	require.Empty(t, resp.Header.Get("X-RateLimit-Remaining"))
	// So has the same identity in another organisation.
	otherOrg := sim.Server.AddOrg("Contoso")
	resp, _ = rawRequest(t, http.MethodGet, otherOrg.URL()+"/_apis/connectionData", sim.PAT)
	require.Equal(t, 200, resp.StatusCode)
	require.Empty(t, resp.Header.Get("X-RateLimit-Remaining"))
	require.Equal(t, 1.0, sim.Server.ThrottleStats(otherOrg, sim.User).Spent)
}

// TestThrottleWindowSlides: usage ages out of the window, and a write
// costs two units.
func TestThrottleWindowSlides(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	window := 300 * time.Millisecond
	sim.Server.Throttle(azdosim.Throttle{Limit: 2, Window: window, MaxDelay: time.Millisecond, BlockAt: 1.5})
	url := sim.Org.URL() + "/_apis/connectionData"
	for range 3 {
		resp, _ := rawRequest(t, http.MethodGet, url, sim.PAT)
		require.Equal(t, 200, resp.StatusCode)
	}
	resp, _ := rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.NoError(t, waitUntil(t, time.Now().Add(window+50*time.Millisecond)))
	resp, _ = rawRequest(t, http.MethodGet, url, sim.PAT)
	require.Equal(t, 200, resp.StatusCode, "the window slid past the earlier requests")
	resp, _ = rawRequest(t, http.MethodPost, sim.Org.URL()+"/"+sim.Project.Name()+"/_apis/git/repositories/"+sim.Repo.Name()+"/pullRequests/1/threads", sim.PAT)
	require.Equal(t, 3.0+1+2, sim.Server.ThrottleStats(sim.Org, sim.User).Spent, "the POST cost 2 whatever it answered")
	_ = resp
}

func waitUntil(t *testing.T, at time.Time) error {
	t.Helper()
	select {
	case <-time.After(time.Until(at)):
		return nil
	case <-t.Context().Done():
		return t.Context().Err()
	}
}
