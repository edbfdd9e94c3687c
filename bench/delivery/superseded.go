// "superseded" measures what superseded push events cost: the Azure
// DevOps calls, and the JetStream stream-info requests, of the events of a
// burst of pushes that one review already covered.
//
// Everything runs on loopback: an embedded nats-server, the Azure DevOps
// simulator, and a worker built by app.NewWorkerLoop (as cmd/worker is)
// consuming the review stream one message at a time. A pull request is
// created and reviewed; then -pushes pushes are made and their events
// published (as ingest publishes them) before the worker takes the first.
// Its review reviews the newest iteration; the other events are
// superseded. The same is done again with each event delivered twice (its
// first delivery failing after the handler, as an acknowledgement lost).
// It prints, per phase, the events handled, the reviews, and the calls of
// the superseded ones.
//
//	go run ./bench/delivery superseded [-pushes 10]

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// supersededMain is the "superseded" command.
func supersededMain(args []string) int {
	fs := flag.NewFlagSet("superseded", flag.ContinueOnError)
	pushes := fs.Int("pushes", 10, "pushes per burst")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	phases, err := runSuperseded(context.Background(), *pushes)
	if err == nil {
		err = printSuperseded(os.Stdout, phases)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "superseded:", err)
		return 1
	}
	return 0
}

// supersededPhase is what one burst's events cost.
type supersededPhase struct {
	name                 string
	handled, reviewed    int
	superseded           int
	supersededCalls      int
	supersededIterations int
	streamInfos          int64
}

// runSuperseded runs the phases with bursts of pushes pushes.
func runSuperseded(ctx context.Context, pushes int) ([]supersededPhase, error) {
	dir, err := os.MkdirTemp("", "azreviewer-bench-superseded-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sim, err := azdosim.Start("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	const pat = "superseded0bench0pat0000001"
	sim.AddPAT(pat, azdosim.Identity{ID: "5c2b1f7e-0b7a-4a35-9a57-2f1f7c3f8d01", DisplayName: "Azure Reviewer", UniqueName: "azreviewer@fabrikam.example"})
	org := sim.AddOrg("Fabrikam Fiber")
	project := org.AddProject("Web Platform")
	repo := project.AddRepository("web-app")
	tree := func(i int) map[string]string {
		return map[string]string{"/a.js": fmt.Sprintf("let a = %d;\nconsole.log(a);\n", i)}
	}
	pr := repo.CreatePullRequest(azdosim.PullRequestSpec{Base: repo.Commit(map[string]string{"/a.js": "let a;\n"}), Head: repo.Commit(tree(0))})

	b, err := apptest.StartBroker(filepath.Join(dir, "jetstream"))
	if err != nil {
		return nil, err
	}
	defer b.Stop()
	nc, err := nats.Connect(b.URL)
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	cfg := streams.Config{}
	s, err := apptest.Provision(ctx, nc, cfg)
	if err != nil {
		return nil, err
	}
	// Every stream-info request of the account, as JetStream receives it:
	// once nc is flushed, those sent before are in the channel.
	infoCh := make(chan *nats.Msg, 1024)
	sub, err := nc.ChanSubscribe("$JS.API.STREAM.INFO.>", infoCh)
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe() //nolint:errcheck // closing anyway
	infos := func() int64 {
		_ = nc.Flush()
		n := int64(0)
		for {
			select {
			case <-infoCh:
				n++
			default:
				return n
			}
		}
	}

	request := func(trigger events.Trigger, commit string) *events.ReviewRequest {
		return &events.ReviewRequest{Version: events.SchemaVersion, Trigger: trigger, EventID: "e-" + commit,
			ProjectID: project.ID(), RepositoryID: repo.ID(), PullRequestID: pr.ID(), SourceCommit: commit}
	}
	pub := events.NewPublisher(s.JS, fleet.Names{})

	var mu sync.Mutex
	calls := map[[2]uint64][]azdosim.Request{}
	var failFirst bool
	var handlingInfos int64 // stream-info requests while messages were handled
	startWorker := func() (*apptest.Worker, error) {
		return apptest.StartWorker(ctx, apptest.WorkerOptions{
			JS: s.JS, Stream: cfg, OrgURL: org.URL(), PAT: pat, Concurrency: 1,
			Backoff: func(uint64) time.Duration { return 20 * time.Millisecond },
			Wrap: func(next events.Handler) events.Handler {
				return func(ctx context.Context, msg jetstream.Msg) error {
					md, err := msg.Metadata()
					if err != nil {
						return err
					}
					infos() // those sent before this message
					before := len(sim.Requests())
					err = next(ctx, msg)
					mu.Lock()
					defer mu.Unlock()
					handlingInfos += infos()
					calls[[2]uint64{md.Sequence.Stream, md.NumDelivered}] = sim.Requests()[before:]
					if err == nil && failFirst && md.NumDelivered == 1 {
						return errors.New("the acknowledgement was lost")
					}
					return err
				}
			},
		})
	}
	wait := func(w *apptest.Worker, n int) ([]apptest.Handled, error) {
		deadline := time.Now().Add(time.Minute)
		for len(w.Handled()) < n {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%d of %d messages handled after a minute", len(w.Handled()), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
		return w.Handled(), nil
	}

	// The pull request is created and reviewed.
	w, err := startWorker()
	if err != nil {
		return nil, err
	}
	if _, err := pub.Publish(ctx, request(events.TriggerCreated, pr.Head())); err != nil {
		return nil, err
	}
	if _, err := wait(w, 1); err != nil {
		return nil, err
	}
	if err := w.Stop(); err != nil {
		return nil, err
	}

	var phases []supersededPhase
	for i, p := range []struct {
		name       string
		redeliver  bool
		deliveries int
	}{{"burst", false, 1}, {"burst, each event delivered twice", true, 2}} {
		for j := range pushes {
			commit := repo.Commit(tree(100*(i+1) + j))
			pr.Push(commit)
			if _, err := pub.Publish(ctx, request(events.TriggerUpdated, commit)); err != nil {
				return nil, err
			}
		}
		mu.Lock()
		failFirst = p.redeliver
		handlingInfos = 0
		mu.Unlock()
		w, err := startWorker()
		if err != nil {
			return nil, err
		}
		handled, err := wait(w, pushes*p.deliveries)
		if err != nil {
			return nil, err
		}
		if err := w.Stop(); err != nil {
			return nil, err
		}
		mu.Lock()
		ph := supersededPhase{name: p.name, handled: len(handled), streamInfos: handlingInfos}
		for _, h := range handled {
			switch h.Report.Outcome {
			case worker.OutcomeReviewed:
				ph.reviewed++
			case worker.OutcomeSkipped:
				ph.superseded++
				for _, r := range calls[[2]uint64{h.Sequence, h.Delivery}] {
					ph.supersededCalls++
					if r.Operation == "git.iterations.list" {
						ph.supersededIterations++
					}
				}
			}
		}
		mu.Unlock()
		phases = append(phases, ph)
	}

	return phases, nil
}

// printSuperseded writes the phases as a table.
func printSuperseded(out io.Writer, phases []supersededPhase) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "phase\tmessages handled\treviews\tsuperseded\tAzure DevOps calls of the superseded\tof which iterations lists\tper superseded event\tstream-info requests while handling\n")
	for _, ph := range phases {
		per := 0.0
		if ph.superseded > 0 {
			per = float64(ph.supersededCalls) / float64(ph.superseded)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.2f\t%d\n", ph.name, ph.handled, ph.reviewed, ph.superseded, ph.supersededCalls, ph.supersededIterations, per, ph.streamInfos)
	}
	return tw.Flush()
}
