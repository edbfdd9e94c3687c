package middleware

import "github.com/azreviewer/azreviewer/internal/events"

// Middleware wraps a handler in a layer of the consume chain.
type Middleware func(events.Handler) events.Handler

// Chain wraps h in mws, the first outermost: Chain(h, a, b) is a(b(h)).
func Chain(h events.Handler, mws ...Middleware) events.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
