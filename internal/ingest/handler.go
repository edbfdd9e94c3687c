package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/semaphore"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// WebhookPath is where Azure DevOps service hooks deliver.
const WebhookPath = "/webhooks/azure-devops"

// Publisher stores review requests durably. *events.Publisher implements it.
type Publisher interface {
	Publish(ctx context.Context, req *events.ReviewRequest) (events.Published, error)
}

// Handler receives service-hook deliveries. It is safe for concurrent use.
type Handler struct {
	cfg     Config
	pub     Publisher
	metrics *metrics
	now     func() time.Time
	// inFlight is Config.MaxInFlightBytes, reserved by deliveries.
	inFlight *semaphore.Weighted
}

// NewHandler returns the webhook handler. reg may be nil.
func NewHandler(cfg Config, pub Publisher, reg prometheus.Registerer) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Handler{cfg: cfg, pub: pub, metrics: newMetrics(reg), now: time.Now, inFlight: semaphore.NewWeighted(cfg.MaxInFlightBytes)}, nil
}

// Outcomes of a delivery, as counted and logged.
const (
	outcomeAccepted     = "accepted"
	outcomeDuplicate    = "duplicate"
	outcomeIgnored      = "ignored"
	outcomeUnauthorized = "unauthorized"
	outcomeBadRequest   = "bad_request"
	outcomeTooLarge     = "too_large"
	outcomeUnavailable  = "unavailable"
	outcomeQueueFull    = "queue_full"
	outcomeBusy         = "busy"
	outcomeTimeout      = "timeout"
)

// outcomes lists every outcome.
var outcomes = []string{outcomeAccepted, outcomeDuplicate, outcomeIgnored, outcomeUnauthorized, outcomeBadRequest,
	outcomeTooLarge, outcomeUnavailable, outcomeQueueFull, outcomeBusy, outcomeTimeout}

// response is the JSON body of every answer.
type response struct {
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	Error     string `json:"error,omitempty"`
	Field     string `json:"field,omitempty"`
	MsgID     string `json:"msg_id,omitempty"`
	Sequence  uint64 `json:"stream_seq,omitempty"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	span := trace.SpanFromContext(r.Context())
	// What Logger.With("remote", …, "request_id", …) does, without
	// boxing each value in an interface first.
	log := slog.New(h.cfg.Logger.Handler().WithAttrs([]slog.Attr{slog.String("remote", r.RemoteAddr), slog.String("request_id", requestID(r))}))
	eventType := ""
	answer := func(status int, outcome string, body response) {
		h.metrics.delivery(eventLabel(eventType), outcome)
		span.SetAttributes(attribute.String("azreviewer.ingest.outcome", outcome))
		if status >= 400 {
			span.SetStatus(codes.Error, outcome)
		}
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusUnauthorized && h.cfg.BasicUser != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="azreviewer", charset="UTF-8"`)
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}

	if failed := h.authenticate(r); failed != "" {
		span.SetAttributes(attribute.String("azreviewer.ingest.auth_failed", failed))
		log.WarnContext(r.Context(), "webhook refused: missing or wrong credentials", "method", failed)
		answer(http.StatusUnauthorized, outcomeUnauthorized, response{Status: "error", Error: "missing or wrong credentials"})
		return
	}

	if r.ContentLength > h.cfg.MaxBodyBytes {
		log.WarnContext(r.Context(), "webhook refused: body too large", "limit_bytes", h.cfg.MaxBodyBytes, "content_length", r.ContentLength)
		w.Header().Set("Connection", "close")
		answer(http.StatusRequestEntityTooLarge, outcomeTooLarge, response{Status: "error", Error: "body larger than the limit"})
		return
	}
	reserved := h.reservation(r)
	if !h.inFlight.TryAcquire(reserved) {
		log.WarnContext(r.Context(), "webhook refused: too many deliveries in flight", "limit_bytes", h.cfg.MaxInFlightBytes, "reservation_bytes", reserved)
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Connection", "close") // do not wait for the unread body
		answer(http.StatusServiceUnavailable, outcomeBusy, response{Status: "error", Error: "too many deliveries in progress, retry later"})
		return
	}
	defer h.inFlight.Release(reserved)
	h.metrics.inFlight.Inc()
	defer h.metrics.inFlight.Dec()

	body, err := h.readBody(w, r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			log.WarnContext(r.Context(), "webhook refused: body too large", "limit_bytes", h.cfg.MaxBodyBytes)
			answer(http.StatusRequestEntityTooLarge, outcomeTooLarge, response{Status: "error", Error: "body larger than the limit"})
		case errors.Is(err, os.ErrDeadlineExceeded):
			log.WarnContext(r.Context(), "webhook refused: body not received in time", "timeout", h.cfg.BodyTimeout)
			w.Header().Set("Connection", "close")
			answer(http.StatusRequestTimeout, outcomeTimeout, response{Status: "error", Error: "body not received within " + h.cfg.BodyTimeout.String()})
		default:
			log.WarnContext(r.Context(), "webhook body could not be read", "error", err)
			answer(http.StatusBadRequest, outcomeBadRequest, response{Status: "error", Error: "body could not be read"})
		}
		return
	}

	decision, err := h.decide(body, &eventType)
	if err != nil {
		var pe *servicehooks.PayloadError
		errors.As(err, &pe)
		log.WarnContext(r.Context(), "webhook refused: malformed payload", "event_type", eventType, "error", err)
		answer(http.StatusBadRequest, outcomeBadRequest, response{Status: "error", Error: err.Error(), Field: pe.Field})
		return
	}
	span.SetAttributes(attribute.String("azdo.event.type", eventType))
	if decision.Request == nil {
		span.SetAttributes(attribute.String("azreviewer.ingest.ignored", decision.Ignored), attribute.String("azreviewer.ingest.reason", decision.Reason))
		log.InfoContext(r.Context(), "webhook ignored", "event_type", eventType, "reason", decision.Reason)
		answer(http.StatusOK, outcomeIgnored, response{Status: "ignored", Reason: decision.Reason})
		return
	}

	req := decision.Request
	if req.OrgURL != "" && !h.cfg.Orgs.Configured(req.OrgURL) {
		reason := "event is for organisation " + req.OrgURL + ", which is not configured"
		span.SetAttributes(attribute.String("azreviewer.ingest.ignored", "organisation_not_configured"), attribute.String("azreviewer.ingest.reason", reason))
		log.WarnContext(r.Context(), "webhook ignored", "event_type", eventType, "reason", reason)
		answer(http.StatusOK, outcomeIgnored, response{Status: "ignored", Reason: reason})
		return
	}
	span.SetAttributes(
		attribute.Int("azdo.pull_request.id", req.PullRequestID),
		attribute.String("azdo.repository.id", req.RepositoryID),
	)
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.PublishTimeout)
	defer cancel()
	sent := time.Now()
	pub, err := h.pub.Publish(ctx, req)
	result := publishStored
	switch {
	case err != nil:
		result = publishFailed
	case pub.Duplicate:
		result = publishDuplicate
	}
	h.metrics.publishTook(result, time.Since(sent).Seconds())
	if err != nil {
		span.RecordError(err)
		h.publishFailed(w, log, eventType, req, err, answer)
		return
	}
	outcome := outcomeAccepted
	if pub.Duplicate {
		outcome = outcomeDuplicate
	}
	msgID := pub.MsgID
	if msgID == "" { // a Publisher that does not say
		msgID = req.MsgID()
	}
	log.InfoContext(r.Context(), "webhook accepted", "event_type", eventType, "pull_request", req.PullRequestID,
		"repository", req.RepositoryName, "msg_id", msgID, "stream_seq", pub.Sequence, "duplicate", pub.Duplicate)
	answer(http.StatusAccepted, outcome, response{Status: "accepted", MsgID: msgID, Sequence: pub.Sequence, Duplicate: pub.Duplicate})
}

// reservation is what a delivery reserves of Config.MaxInFlightBytes: its
// declared length (at most MaxBodyBytes, checked before), or MaxBodyBytes
// when it declares none.
func (h *Handler) reservation(r *http.Request) int64 {
	n := r.ContentLength
	if n < 0 {
		n = h.cfg.MaxBodyBytes
	}
	return max(n, MinDeliveryReservation)
}

// readBody reads the body within Config.BodyTimeout and Config.MaxBodyBytes.
// A declared length is read into a buffer of that size, so the memory a
// delivery holds is what it reserved.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(h.cfg.BodyTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return nil, fmt.Errorf("set the body's read deadline: %w", err)
	}
	if r.ContentLength >= 0 {
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		// Reach the body's end (nothing is left to read): net/http then
		// clears the read deadline and watches the connection again.
		var end [1]byte
		_, _ = r.Body.Read(end[:])
		return body, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
}

// publishFailed answers a delivery JetStream did not store, saying why: 413
// for a request that can never fit in a message, 503 with Retry-After for a
// full queue or an unavailable JetStream, 400 for ids that cannot name a
// subject (Decide refuses those first).
func (h *Handler) publishFailed(w http.ResponseWriter, log *slog.Logger, eventType string, req *events.ReviewRequest, err error, answer func(int, string, response)) {
	log = log.With("event_type", eventType, "pull_request", req.PullRequestID, "error", err)
	var invalid *events.InvalidRequestError
	var tooLarge *events.MessageTooLargeError
	var full *events.QueueFullError
	switch {
	case errors.As(err, &invalid):
		log.Warn("webhook refused: malformed payload")
		answer(http.StatusBadRequest, outcomeBadRequest, response{Status: "error", Error: invalid.Error(), Field: invalid.Field})
	case errors.As(err, &tooLarge):
		log.Warn("webhook refused: review request larger than a NATS message", "size_bytes", tooLarge.Size, "max_payload_bytes", tooLarge.MaxPayload)
		answer(http.StatusRequestEntityTooLarge, outcomeTooLarge, response{Status: "error",
			Error: fmt.Sprintf("the review request for this delivery (%d bytes) is larger than the queue's message limit (NATS max_payload %d bytes)", tooLarge.Size, tooLarge.MaxPayload)})
	case errors.As(err, &full):
		log.Error("webhook not accepted: the review queue is full", "reason", full.Reason)
		w.Header().Set("Retry-After", "30")
		answer(http.StatusServiceUnavailable, outcomeQueueFull, response{Status: "error", Error: full.Error() + ", retry later"})
	default:
		log.Error("webhook not accepted: JetStream unavailable")
		w.Header().Set("Retry-After", "5")
		answer(http.StatusServiceUnavailable, outcomeUnavailable, response{Status: "error", Error: "queue unavailable, retry later"})
	}
}

func (h *Handler) decide(body []byte, eventType *string) (decision, error) {
	env, err := servicehooks.ParseEnvelope(body)
	if err != nil {
		return decision{}, err
	}
	*eventType = env.EventType
	return decideEnvelope(env, h.now())
}

// eventLabel bounds the event_type metric label to the types Azure DevOps
// documents; anything else counts as "other".
func eventLabel(t string) string {
	if slices.Contains(eventLabels, t) {
		return t
	}
	return "other"
}

// eventLabels are the values of the event_type label: the events reviewed,
// two others Azure DevOps often sends, none (an unauthenticated delivery
// is not read) and other.
var eventLabels = []string{servicehooks.EventPullRequestCreated, servicehooks.EventPullRequestUpdated,
	servicehooks.EventPullRequestComment, "git.pullrequest.merged", "git.push", "", "other"}

// maxRequestIDBytes bounds the Request-Id header as logged: it comes before
// authentication, so anyone could otherwise write large log lines.
const maxRequestIDBytes = 128

// requestID is the delivery's Request-Id header, cut to maxRequestIDBytes.
func requestID(r *http.Request) string {
	id := r.Header.Get("Request-Id")
	if len(id) > maxRequestIDBytes {
		id = strings.ToValidUTF8(id[:maxRequestIDBytes], "") + "…"
	}
	return id
}
