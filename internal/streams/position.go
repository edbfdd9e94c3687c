package streams

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Delivery is where the message of a review request sits in its stream:
// the stream's name, the message's stream sequence, the time the stream
// stored it and how many times it has been delivered (1: the first time),
// from the message's metadata. A request that did not come from a stream
// (a direct call) has none.
type Delivery struct {
	Stream    string
	Sequence  uint64
	Stored    time.Time
	Delivered uint64
}

// DeliveryOf is msg's Delivery; nil when msg carries no metadata.
func DeliveryOf(msg jetstream.Msg) *Delivery {
	md, err := msg.Metadata()
	if err != nil || md == nil || md.Sequence.Stream == 0 {
		return nil
	}
	return &Delivery{Stream: md.Stream, Sequence: md.Sequence.Stream, Stored: md.Timestamp, Delivered: md.NumDelivered}
}

// Position is where a stream stood when it was read: its name and
// creation time, the sequence of the last message it had stored, and the
// server's time of the read. It is kept in review states (JSON).
type Position struct {
	Stream   string    `json:"stream"`
	Created  time.Time `json:"created"`
	Sequence uint64    `json:"sequence"`
	At       time.Time `json:"at"`
}

// Precedes reports whether the message d names was stored before p was
// read: it is in the same stream, its sequence is at most p's, and the
// stream stored it no later than the time of the read.
//
// The sequence alone orders the messages of one stream, but a stream
// deleted and created again, or restored from an older snapshot (which
// keeps its creation time), numbers its messages again from an earlier
// sequence: a message stored after the read may then have a sequence at
// most p's. The server stored that message after the stream was created
// or restored again, so after the read: the time tells it apart. A
// message that the clocks of two servers of a cluster place, wrongly,
// after the read only fails to be recognised (the caller then checks
// otherwise); both conditions must fail together for a later message to
// pass. A position or delivery that is not known (zero) precedes nothing.
func (p Position) Precedes(d *Delivery) bool {
	return d != nil && d.Sequence > 0 && p.Sequence > 0 && !p.At.IsZero() && !d.Stored.IsZero() &&
		d.Stream == p.Stream && d.Sequence <= p.Sequence && !d.Stored.After(p.At)
}

// Later returns the later of p and old (nil: none): p when old is of
// another stream or another creation of it, or is behind p; old when it
// is ahead of p in the same stream.
func (p Position) Later(old *Position) Position {
	if old != nil && old.Stream == p.Stream && old.Created.Equal(p.Created) && old.Sequence > p.Sequence {
		return *old
	}
	return p
}

// StreamPositions reads a stream's [Position]: one JetStream API call
// (stream info) per read. It is safe for concurrent use.
type StreamPositions struct {
	stream jetstream.Stream
}

// NewStreamPositions returns the reader of st's positions.
func NewStreamPositions(st jetstream.Stream) *StreamPositions {
	return &StreamPositions{stream: st}
}

// ErrNoPosition is returned (wrapped) by [StreamPositions.Position] when
// the server's answer lacks what a Position needs (its time of the read:
// servers before 2.10 do not send it).
var ErrNoPosition = errors.New("the stream's position is not known")

// Position reads where the stream stands now.
func (s *StreamPositions) Position(ctx context.Context) (Position, error) {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return Position{}, fmt.Errorf("read the stream's position: %w", err)
	}
	if info.TimeStamp.IsZero() || info.Created.IsZero() {
		return Position{}, fmt.Errorf("%w: stream %s: the server did not say when it read it", ErrNoPosition, info.Config.Name)
	}
	return Position{Stream: info.Config.Name, Created: info.Created, Sequence: info.State.LastSeq, At: info.TimeStamp}, nil
}
