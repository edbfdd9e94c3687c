package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/ingest"
)

// Ingest is the webhook receiver served over HTTP on a loopback port, wired
// as the ingest process wires it.
type Ingest struct {
	// WebhookURL is the endpoint, without ?token=.
	WebhookURL string
	Token      string

	cancel   context.CancelFunc
	done     chan error
	stopOnce sync.Once
	stopErr  error
}

// StartIngest serves the ingest handler publishing to js, authenticating
// deliveries with token, until Stop.
func StartIngest(js jetstream.JetStream, token string, log *slog.Logger) (*Ingest, error) {
	if log == nil {
		log = discard()
	}
	h, err := app.NewIngestHandler(&app.Ingest{Token: token}, fleet.Names{}, js, prometheus.NewRegistry(), log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("apptest: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &Ingest{
		WebhookURL: "http://" + ln.Addr().String() + ingest.WebhookPath,
		Token:      token,
		cancel:     cancel,
		done:       make(chan error, 1),
	}
	go func() { in.done <- app.RunIngest(ctx, ln, h, log) }()
	return in, nil
}

// Stop shuts the server down and waits for it. Calling it again returns
// the same.
func (in *Ingest) Stop() error {
	in.stopOnce.Do(func() {
		in.cancel()
		in.stopErr = <-in.done
	})
	return in.stopErr
}

// Delivery is ingest's answer to one webhook delivery.
type Delivery struct {
	Status int
	// Duplicate: JetStream already held a request with the same
	// de-duplication id (202 with "duplicate": true).
	Duplicate bool
	MsgID     string
	Sequence  uint64
	// Body is the raw answer.
	Body string
}

// Accepted reports a 202.
func (d Delivery) Accepted() bool { return d.Status == http.StatusAccepted }

// Deliver POSTs one webhook body as Azure DevOps does and decodes the answer.
func (in *Ingest) Deliver(ctx context.Context, body []byte) (Delivery, error) {
	return Deliver(ctx, in.WebhookURL, in.Token, body)
}

// Deliver POSTs one webhook body to url with ?token= and decodes the answer.
func Deliver(ctx context.Context, url, token string, body []byte) (Delivery, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"?token="+token, bytes.NewReader(body))
	if err != nil {
		return Delivery{}, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Delivery{}, fmt.Errorf("apptest: deliver webhook: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	d := Delivery{Status: resp.StatusCode, Body: string(raw)}
	var answer struct {
		Duplicate bool   `json:"duplicate"`
		MsgID     string `json:"msg_id"`
		Sequence  uint64 `json:"stream_seq"`
	}
	if json.Unmarshal(raw, &answer) == nil {
		d.Duplicate, d.MsgID, d.Sequence = answer.Duplicate, answer.MsgID, answer.Sequence
	}
	return d, nil
}

// FromSubscription returns a copy of a service-hook envelope as another
// subscription would deliver the same event: its subscriptionId,
// notificationId and a new event id (Azure DevOps gives every delivery of
// every subscription its own id).
func FromSubscription(body []byte, subscriptionID string, notificationID int, eventID string) []byte {
	var env map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep ids and numbers exactly as delivered
	if err := dec.Decode(&env); err != nil {
		panic(fmt.Sprintf("apptest: not a service-hook envelope: %v", err))
	}
	env["subscriptionId"] = subscriptionID
	env["notificationId"] = notificationID
	env["id"] = eventID
	out, err := json.Marshal(env)
	if err != nil {
		panic(fmt.Sprintf("apptest: marshal envelope: %v", err))
	}
	return out
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
