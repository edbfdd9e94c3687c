package app

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"

	"github.com/azreviewer/azreviewer/internal/ingest"
)

// ReadyFunc reports whether the process can do its job (JetStream
// reachable, stream present).
type ReadyFunc func(ctx context.Context) error

// Routes mounts the webhook handler, /healthz, /readyz and /metrics on one
// mux. webhook may be nil (a worker serves only health and metrics), and
// gatherer too (metrics served elsewhere, see [MetricsRoutes], or not at
// all).
func Routes(webhook http.Handler, ready ReadyFunc, gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	if webhook != nil {
		mux.Handle("POST "+ingest.WebhookPath, otelhttp.NewHandler(webhook, "webhook",
			otelhttp.WithSpanNameFormatter(func(string, *http.Request) string { return "POST " + ingest.WebhookPath })))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready", "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if gatherer != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	}
	return mux
}

// MetricsRoutes mounts /metrics and /healthz: a listener of metrics only.
func MetricsRoutes(gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	return mux
}

// StartingHandler serves a process that is still starting (waiting for
// NATS, checking its streams): /healthz answers 200, /readyz 503 with the
// reason, /metrics its metrics, and a webhook delivery 503 with
// Retry-After (Azure DevOps delivers it again), until [StartingHandler.Started]
// hands it the process's own handler. Safe for concurrent use.
type StartingHandler struct {
	starting http.Handler
	started  atomic.Pointer[http.Handler]
}

// NewStartingHandler returns a StartingHandler whose /readyz says reason.
func NewStartingHandler(reason string, gatherer prometheus.Gatherer) *StartingHandler {
	notYet := errors.New(reason)
	webhook := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": reason})
	})
	return &StartingHandler{starting: Routes(webhook, func(context.Context) error { return notYet }, gatherer)}
}

// Started makes h serve every request from now on.
func (s *StartingHandler) Started(h http.Handler) { s.started.Store(&h) }

func (s *StartingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := s.started.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	s.starting.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// MaxHeaderBytes bounds a request's headers (431 beyond). Headers are read
// before a webhook is authenticated, so the bound is what any client can
// make a connection cost; Azure DevOps deliveries carry a few hundred bytes.
const MaxHeaderBytes = 16 << 10

// Serve serves h on ln until ctx is cancelled, then stops accepting, lets
// in-flight requests finish within grace, and returns.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	return err
}
