package deadletter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fleet"
)

// Entry is one entry of the dead-letter stream.
type Entry struct {
	Seq             uint64
	Time            time.Time
	OriginalSubject string
	Deliveries      int
	Error           string
	ErrorType       string
	Diagnosis       string
	// Request is the review request, when it could be decoded.
	Request *events.ReviewRequest
}

// List returns up to limit dead letters of fleet names, oldest first.
func List(ctx context.Context, js jetstream.JetStream, names fleet.Names, limit int) ([]Entry, error) {
	return Select(ctx, js, names, Filter{}, limit)
}

// Filter selects dead letters. The zero value selects every one.
type Filter struct {
	// Types keeps the entries of these error types (unauthorized,
	// forbidden, not_found, …); empty keeps every type.
	Types []string
	// OlderThan and NewerThan keep the entries dead-lettered more, or
	// less, than this long before Now; zero: no bound.
	OlderThan, NewerThan time.Duration
	// Now is the time the ages are measured from. Zero: time.Now().
	Now time.Time
}

// Match reports whether e is selected.
func (f Filter) Match(e Entry) bool {
	if len(f.Types) > 0 && !slices.Contains(f.Types, e.ErrorType) {
		return false
	}
	now := f.Now
	if now.IsZero() {
		now = time.Now()
	}
	age := now.Sub(e.Time)
	return (f.OlderThan <= 0 || age > f.OlderThan) && (f.NewerThan <= 0 || age < f.NewerThan)
}

// Select returns up to limit dead letters of fleet names that f selects,
// oldest first.
func Select(ctx context.Context, js jetstream.JetStream, names fleet.Names, f Filter, limit int) ([]Entry, error) {
	if f.Now.IsZero() {
		f.Now = time.Now()
	}
	stream := names.DeadLetterStream()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return nil, fmt.Errorf("open stream %s: %w", stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", stream, err)
	}
	var out []Entry
	for seq := info.State.FirstSeq; seq != 0 && seq <= info.State.LastSeq && len(out) < limit; seq++ {
		raw, err := st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // replayed or deleted
		}
		if err != nil {
			return out, fmt.Errorf("read dead letter %d: %w", seq, err)
		}
		dl := Entry{
			Seq: seq, Time: raw.Time, OriginalSubject: raw.Header.Get(HeaderOriginalSubject),
			Error: raw.Header.Get(HeaderError), ErrorType: raw.Header.Get(HeaderErrorType), Diagnosis: raw.Header.Get(HeaderDiagnosis),
		}
		dl.Deliveries, _ = strconv.Atoi(raw.Header.Get(HeaderDeliveries))
		if req, err := events.UnmarshalRequest(raw.Data); err == nil {
			dl.Request = req
		}
		if f.Match(dl) {
			out = append(out, dl)
		}
	}
	return out, nil
}
