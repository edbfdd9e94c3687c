package events_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Example publishes a review request to a real embedded JetStream server,
// publishes it again (JetStream drops the repeat by its de-duplication
// id), and consumes it: the handler's nil error acks it.
func Example() {
	dir, err := os.MkdirTemp("", "events-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	b, stop, err := eventstest.New(broker.Options{DataDir: dir}, streams.Config{Memory: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()
	ctx := context.Background()

	req := &events.ReviewRequest{
		Version: events.SchemaVersion, Trigger: events.TriggerUpdated, EventID: "e1",
		ProjectID: "p", RepositoryID: "Repo-1", PullRequestID: 7,
		SourceCommit: "4444eeee455ff5aaaaabb66ccccccccc7777cccc",
	}
	pub := events.NewPublisher(b.JS, fleet.Names{})
	for range 2 {
		p, err := pub.Publish(ctx, req)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("published as %d, duplicate %t\n", p.Sequence, p.Duplicate)
	}

	consumeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = events.Consume(consumeCtx, b.Consumer, events.ConsumeConfig{
		Logger: slog.New(slog.DiscardHandler),
		OnSettled: func(s events.Settlement, _ error, _ time.Duration) {
			fmt.Println("settled:", s)
			cancel()
		},
	}, func(_ context.Context, msg jetstream.Msg) error {
		got, err := events.UnmarshalRequest(msg.Data())
		if err != nil {
			return err
		}
		fmt.Printf("received %s: pull request %d, %s at %.7s\n", msg.Subject(), got.PullRequestID, got.Trigger, got.SourceCommit)
		return nil
	})
	fmt.Println("consume returned:", err)
	// Output:
	// published as 1, duplicate false
	// published as 1, duplicate true
	// received azreviewer.review.repo-1.7: pull request 7, updated at 4444eee
	// settled: ack
	// consume returned: <nil>
}
