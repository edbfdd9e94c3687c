package deadletter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/fleet"
)

// Replay publishes dead letter seq of fleet names to its original subject
// again, with its trace context, and removes it from the dead-letter
// stream. The new message has a de-duplication id of its own, so JetStream
// does not drop it as a repeat of the original. A dead letter whose
// original subject is not one of the fleet's review subjects is refused.
func Replay(ctx context.Context, js jetstream.JetStream, names fleet.Names, seq uint64) (uint64, error) {
	stream := names.DeadLetterStream()
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return 0, fmt.Errorf("open stream %s: %w", stream, err)
	}
	raw, err := st.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, &NotFoundError{Seq: seq}
	}
	if err != nil {
		return 0, fmt.Errorf("read dead letter %d: %w", seq, err)
	}
	subject := raw.Header.Get(HeaderOriginalSubject)
	if !strings.HasPrefix(subject, names.ReviewSubjectPrefix()) {
		return 0, fmt.Errorf("dead letter %d has no original subject", seq)
	}
	if n := raw.Header.Get(HeaderBodyOmitted); n != "" {
		return 0, fmt.Errorf("dead letter %d was stored without its request (%s bytes, too close to the server's max_payload); it cannot be replayed", seq, n)
	}
	h := nats.Header{}
	for _, k := range []string{"traceparent", "tracestate", "baggage"} {
		if v := raw.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	ack, err := js.PublishMsg(ctx, &nats.Msg{Subject: subject, Header: h, Data: raw.Data},
		jetstream.WithMsgID(fmt.Sprintf("replay:%d:%d", seq, time.Now().UnixNano())))
	if err != nil {
		return 0, fmt.Errorf("republish dead letter %d: %w", seq, err)
	}
	if err := st.DeleteMsg(ctx, seq); err != nil {
		return ack.Sequence, fmt.Errorf("dead letter %d was replayed as %d but not removed: %w", seq, ack.Sequence, err)
	}
	return ack.Sequence, nil
}

// NotFoundError is a dead letter that is not in the dead-letter stream:
// replayed already, or dropped by the stream's limits.
type NotFoundError struct{ Seq uint64 }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("dead letter %d is not in the dead-letter stream: it was replayed already, or dropped by the stream's age or size limits", e.Seq)
}
