package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Route is one organisation a [Router] serves: its Worker, whose Config
// names the organisation and whose Azure DevOps client holds its
// credential, and what the sweep lists there.
type Route struct {
	Worker *Worker
	// Lister lists the organisation's projects and active pull requests
	// for the sweep (its *azdo.Client); nil: it is not swept.
	Lister SweepLister
}

// Router hands each review request to the Worker of the organisation the
// request names, among those configured: the payload's URL only selects,
// so a request naming any other organisation is acknowledged as a skip
// (SkipOtherOrg) and no credential is sent anywhere for it. A request
// naming no organisation goes to the only one when one is configured.
//
// [Router.Set] replaces the organisations at once; a review already
// running finishes on the Worker it started on. A Router is safe for
// concurrent use.
type Router struct {
	table   atomic.Pointer[routeTable]
	metrics *Metrics
	log     *slog.Logger
}

// routeTable is one set of organisations, by normalised URL, in the order
// given.
type routeTable struct {
	byURL  map[string]Route
	routes []Route
}

// NewRouter returns a Router serving no organisation yet; metrics (nil:
// none) and log (nil: slog.Default) record the requests no Worker takes.
func NewRouter(metrics *Metrics, log *slog.Logger) *Router {
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	r := &Router{metrics: metrics, log: cmp.Or(log, slog.Default())}
	r.table.Store(&routeTable{byURL: map[string]Route{}})
	return r
}

// Set makes routes the organisations served, keyed by their Workers'
// OrgURL normalised; two for one organisation are an error, and the
// previous set stays.
func (r *Router) Set(routes []Route) error {
	t := &routeTable{byURL: make(map[string]Route, len(routes)), routes: append([]Route(nil), routes...)}
	for _, rt := range routes {
		if rt.Worker == nil {
			return errors.New("worker: a route without a worker")
		}
		u := servicehooks.NormalizeOrgURL(rt.Worker.cfg.OrgURL)
		if _, dup := t.byURL[u]; dup {
			return fmt.Errorf("worker: organisation %s is routed twice", u)
		}
		t.byURL[u] = rt
	}
	r.table.Store(t)
	return nil
}

// Routes returns the organisations served, in the order given to Set.
func (r *Router) Routes() []Route {
	return append([]Route(nil), r.table.Load().routes...)
}

// Worker returns the Worker of the organisation orgURL names (any form
// [servicehooks.NormalizeOrgURL] accepts); "" names the only one, if one
// is configured.
func (r *Router) Worker(orgURL string) (*Worker, bool) {
	t := r.table.Load()
	if orgURL == "" {
		if len(t.routes) == 1 {
			return t.routes[0].Worker, true
		}
		return nil, false
	}
	rt, ok := t.byURL[servicehooks.NormalizeOrgURL(orgURL)]
	return rt.Worker, ok
}

// HandleMessage is the consume loop's handler (wired by the app): it
// decodes the message and hands the request to its organisation's Worker
// ([Worker.Review]); a request for no configured organisation is skipped,
// and acknowledged. The returned error tells the loop how to settle the
// message (see events.Handler); the request is nil when the message could
// not be decoded.
func (r *Router) HandleMessage(ctx context.Context, msg jetstream.Msg) (*events.ReviewRequest, Report, error) {
	req, err := events.UnmarshalRequest(msg.Data())
	if err != nil {
		r.metrics.reviews.WithLabelValues(string(OutcomeFailed)).Inc()
		return nil, Report{}, err
	}
	req.Delivery = streams.DeliveryOf(msg)
	w, ok := r.Worker(req.OrgURL)
	if !ok {
		rep, _ := skip(SkipOtherOrg, "event is for organisation %q, which is not among the %d configured", req.OrgURL, len(r.table.Load().routes))
		r.metrics.observe(rep, nil, 0)
		r.log.InfoContext(ctx, LogReviewSkipped, "pull_request", req.PullRequestID, "repository", req.RepositoryName, "project", req.ProjectName,
			"trigger", req.Trigger, "reason", rep.Reason)
		return req, rep, nil
	}
	rep, err := w.Review(ctx, req)
	return req, rep, err
}

// SweepEvery runs [Worker.SweepEvery] for each organisation served that has
// a Lister, one after the other; a failed one does not stop the others.
func (r *Router) SweepEvery(ctx context.Context, every time.Duration, enq Enqueuer) error {
	var errs []error
	for _, rt := range r.Routes() {
		if rt.Lister == nil {
			continue
		}
		if _, err := rt.Worker.SweepEvery(ctx, every, rt.Lister, enq); err != nil {
			errs = append(errs, fmt.Errorf("organisation %s: %w", rt.Worker.cfg.OrgURL, err))
			if ctx.Err() != nil {
				break
			}
		}
	}
	return errors.Join(errs...)
}
