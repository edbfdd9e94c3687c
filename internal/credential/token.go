package credential

import (
	"context"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/sync/singleflight"
)

// Refresh timing: a token is replaced at its RefreshOn, or refreshMargin
// (at most half its lifetime) before it expires, whichever comes first.
const (
	refreshMargin = 5 * time.Minute
	// refreshRetry is how long a token whose refresh failed is used before
	// the next attempt (while it has not expired).
	refreshRetry = 30 * time.Second
	// tokenTimeout bounds one token request, shared by its callers.
	tokenTimeout = time.Minute
)

// entraCredential is an azdo.Credential over an azidentity credential: a
// cached bearer token, refreshed before it expires, one request for all
// concurrent callers. It is safe for concurrent use.
type entraCredential struct {
	identity string
	tc       azcore.TokenCredential
	check    func() error // before every token request (the token file); nil: none
	clock    Clock
	flight   singleflight.Group

	mu      sync.Mutex
	token   azcore.AccessToken
	refresh time.Time // when to ask for the next token
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func newEntra(identity string, tc azcore.TokenCredential, check func() error, clock Clock) *entraCredential {
	if clock == nil {
		clock = wallClock{}
	}
	return &entraCredential{identity: identity, tc: tc, check: check, clock: clock}
}

// Identity is the kind and client id, e.g. "service_principal:<client id>".
func (c *entraCredential) Identity() string { return c.identity }

// String keeps the token out of any %v of the credential.
func (c *entraCredential) String() string { return c.identity }

// Authorization returns "Bearer <token>", asking Entra for a token when
// none is cached or the cached one is due for refresh. A failed refresh
// keeps a token that has not expired yet, and is tried again every
// refreshRetry meanwhile; callers do not wait for those attempts' failures.
func (c *entraCredential) Authorization(ctx context.Context) (string, error) {
	now := c.clock.Now()
	c.mu.Lock()
	tok, refresh := c.token, c.refresh
	c.mu.Unlock()
	if tok.Token != "" && now.Before(refresh) {
		return "Bearer " + tok.Token, nil
	}
	ch := c.flight.DoChan("token", func() (any, error) {
		// The request belongs to every caller waiting for it: not cancelled
		// with the first one's context, but bounded.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenTimeout)
		defer cancel()
		return c.fetch(rctx)
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return "Bearer " + r.Val.(string), nil
	}
}

func (c *entraCredential) fetch(ctx context.Context) (string, error) {
	if c.check != nil {
		if err := c.check(); err != nil {
			return c.keep(err)
		}
	}
	tok, err := c.tc.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{Scope}})
	if err != nil {
		return c.keep(fromAzidentity(c.identity, err))
	}
	now := c.clock.Now()
	refresh := tok.ExpiresOn.Add(-min(refreshMargin, tok.ExpiresOn.Sub(now)/2))
	if !tok.RefreshOn.IsZero() && tok.RefreshOn.Before(refresh) {
		refresh = tok.RefreshOn
	}
	c.mu.Lock()
	c.token, c.refresh = tok, refresh
	c.mu.Unlock()
	return tok.Token, nil
}

// keep answers a failed token request: the cached token while it has not
// expired (the next attempt in refreshRetry), else err.
func (c *entraCredential) keep(err error) (string, error) {
	now := c.clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token.Token != "" && now.Before(c.token.ExpiresOn) {
		c.refresh = now.Add(refreshRetry)
		if c.refresh.After(c.token.ExpiresOn) {
			c.refresh = c.token.ExpiresOn
		}
		return c.token.Token, nil
	}
	return "", err
}
