package azdosim

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Throttle is the simulator's TSTU-like budget per identity, see
// Server.Throttle. Azure DevOps publishes no cost per call; the cost
// table is ours, not Microsoft's, and the same as package azdo's
// estimate (azdo.CallCost, azdo.ExtraCost):
//
//	| request                                   | cost (units)                 |
//	|-------------------------------------------|------------------------------|
//	| GET, HEAD, OPTIONS                        | 1                            |
//	| POST, PUT, PATCH, DELETE                  | 2                            |
//	| any answer larger than 256 KiB (blobs,    | +1 per further 256 KiB,      |
//	| zips, item contents)                      | charged when it is answered  |
type Throttle struct {
	// Limit is how many units an identity may spend in any Window before
	// its requests are delayed (X-RateLimit-Limit). 0 turns throttling off.
	Limit float64
	// Window is the sliding window. Default 5 minutes; tests scale it
	// down to seconds.
	Window time.Duration
	// BlockAt is the usage, as a multiple of Limit, from which requests
	// are blocked with 429 rather than delayed. Default 1.25.
	BlockAt float64
	// MaxDelay is the longest delay of one request, reached just below
	// BlockAt (Azure's: 30 s). Default Window/10.
	MaxDelay time.Duration
	// HeadersFrom is the usage, as a fraction of Limit, from which every
	// answer carries X-RateLimit-Resource, -Limit, -Remaining and -Reset
	// (Azure sends them "before delays start"; from when is unverified).
	// Default 0.5.
	HeadersFrom float64
}

func (t Throttle) withDefaults() Throttle {
	if t.Window <= 0 {
		t.Window = 5 * time.Minute
	}
	if t.BlockAt <= 1 {
		t.BlockAt = 1.25
	}
	if t.MaxDelay <= 0 {
		t.MaxDelay = t.Window / 10
	}
	if t.HeadersFrom <= 0 || t.HeadersFrom > 1 {
		t.HeadersFrom = 0.5
	}
	return t
}

// ThrottleStats are one identity's totals under Throttle.
type ThrottleStats struct {
	// Spent is the units charged (blocked requests are not charged).
	Spent float64
	// Delayed and Blocked count the requests delayed and answered 429.
	Delayed, Blocked int
	// MaxInWindow is the most units the identity had spent in one
	// sliding window, as seen when a request arrived.
	MaxInWindow float64
}

type charge struct {
	at   time.Time
	cost float64
}

// throttleState is the usage of every identity, by organisation and identity (throttleKey).
type throttleState struct {
	mu     sync.Mutex
	cfg    Throttle
	usage  map[string][]charge
	totals map[string]*ThrottleStats
}

// Throttle turns on (t.Limit > 0) or off the TSTU-like budget per
// identity: every authenticated request costs units by the table on
// [Throttle], summed per identity and organisation over a sliding
// t.Window. While an identity's usage is below t.Limit its requests are
// answered at once; from t.HeadersFrom × Limit on, answers carry
// X-RateLimit-Resource, -Limit, -Remaining and -Reset. Above Limit,
// each request is delayed in proportion to the excess (up to
// t.MaxDelay, reached at t.BlockAt × Limit) and its answer carries
// X-RateLimit-Delay, Retry-After (when usage falls back below Limit)
// and X-RateLimit-Remaining 0. From BlockAt × Limit on, requests are
// answered 429 with Retry-After, uncharged. It resets the usage. Safe
// to call while serving.
func (s *Server) Throttle(t Throttle) {
	s.throttle.mu.Lock()
	defer s.throttle.mu.Unlock()
	s.throttle.cfg = t.withDefaults()
	if t.Limit <= 0 {
		s.throttle.cfg.Limit = 0
	}
	s.throttle.usage = map[string][]charge{}
	s.throttle.totals = map[string]*ThrottleStats{}
}

// ThrottleStats returns who's totals in org since Throttle was last
// called.
func (s *Server) ThrottleStats(org *Org, who Identity) ThrottleStats {
	s.throttle.mu.Lock()
	defer s.throttle.mu.Unlock()
	if st := s.throttle.totals[throttleKey(org, who)]; st != nil {
		return *st
	}
	return ThrottleStats{}
}

// throttleKey names who's usage in org: each organisation counts its own
// (whether Azure DevOps counts an identity's usage per organisation or
// across them is unverified; azreviewer's budget is per organisation and
// identity too).
func throttleKey(org *Org, who Identity) string {
	id := who.ID
	if id == "" {
		id = who.UniqueName
	}
	return strings.ToLower(org.name) + "\x00" + id
}

// usedLocked is id's usage in the window ending at now, dropping older
// charges, and when it falls back below level.
func (ts *throttleState) usedLocked(id string, now time.Time, level float64) (used float64, below time.Time) {
	list := ts.usage[id]
	cut := now.Add(-ts.cfg.Window)
	i := 0
	for i < len(list) && !list[i].at.After(cut) {
		i++
	}
	list = list[i:]
	ts.usage[id] = list
	for _, c := range list {
		used += c.cost
	}
	below = now
	left := used
	for _, c := range list {
		if left < level {
			break
		}
		left -= c.cost
		below = c.at.Add(ts.cfg.Window)
	}
	return used, below
}

// admitThrottled charges who cost for a request arriving at now. It
// returns a 429 answer when who is blocked, else how long to delay the
// request and the headers its answer carries.
func (s *Server) admitThrottled(org *Org, who Identity, method string) (blocked *response, delay time.Duration, header map[string]string) {
	ts := &s.throttle
	ts.mu.Lock()
	defer ts.mu.Unlock()
	cfg := ts.cfg
	if cfg.Limit <= 0 {
		return nil, 0, nil
	}
	id := throttleKey(org, who)
	st := ts.totals[id]
	if st == nil {
		st = &ThrottleStats{}
		ts.totals[id] = st
	}
	now := time.Now()
	used, below := ts.usedLocked(id, now, cfg.Limit)
	st.MaxInWindow = max(st.MaxInWindow, used)
	_, reset := ts.usedLocked(id, now, math.SmallestNonzeroFloat64)
	header = map[string]string{
		"X-RateLimit-Resource": "Core",
		"X-RateLimit-Limit":    strconv.FormatFloat(cfg.Limit, 'f', -1, 64),
		"X-RateLimit-Reset":    strconv.FormatInt(reset.Unix(), 10),
	}
	retryAfter := strconv.FormatInt(int64(math.Ceil(below.Sub(now).Seconds())), 10)
	if used >= cfg.BlockAt*cfg.Limit {
		st.Blocked++
		resp := errorResponse(errRequestBlocked("Core"))
		for k, v := range header {
			resp.header[k] = v
		}
		resp.header["X-RateLimit-Remaining"] = "0"
		resp.header["Retry-After"] = retryAfter
		return resp, 0, nil
	}
	cost := 2.0
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		cost = 1
	}
	ts.usage[id] = append(ts.usage[id], charge{at: now, cost: cost})
	st.Spent += cost
	if used >= cfg.Limit {
		st.Delayed++
		frac := (used - cfg.Limit) / ((cfg.BlockAt - 1) * cfg.Limit)
		delay = max(time.Millisecond, time.Duration(frac*float64(cfg.MaxDelay)))
		header["X-RateLimit-Remaining"] = "0"
		header["X-RateLimit-Delay"] = strconv.FormatFloat(delay.Seconds(), 'f', 3, 64)
		header["Retry-After"] = retryAfter
		return nil, delay, header
	}
	if used < cfg.HeadersFrom*cfg.Limit {
		return nil, 0, nil
	}
	header["X-RateLimit-Remaining"] = strconv.FormatFloat(math.Max(0, cfg.Limit-used-cost), 'f', -1, 64)
	return nil, 0, header
}

// chargeAnswer charges who for an answer of n bytes beyond the first
// 256 KiB (see Throttle).
func (s *Server) chargeAnswer(org *Org, who Identity, n int) {
	const blob = 256 << 10
	if n <= blob {
		return
	}
	ts := &s.throttle
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.cfg.Limit <= 0 {
		return
	}
	extra := float64((n - 1) / blob)
	id := throttleKey(org, who)
	ts.usage[id] = append(ts.usage[id], charge{at: time.Now(), cost: extra})
	if st := ts.totals[id]; st != nil {
		st.Spent += extra
	}
}

// throttled runs Throttle's admission for who: it answers 429, or waits
// out the delay (false: the client gave up meanwhile) and returns the
// headers to add to the answer.
func (s *Server) throttled(ctx context.Context, org *Org, who Identity, method string) (resp *response, header map[string]string, ok bool) {
	blocked, delay, header := s.admitThrottled(org, who, method)
	if blocked != nil {
		return blocked, nil, true
	}
	if delay > 0 {
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-s.closed:
		case <-ctx.Done():
			return clientClosedResponse(), nil, false
		}
	}
	return nil, header, true
}
