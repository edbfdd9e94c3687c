package workertest

import (
	"context"

	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/broker"
	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// Rig is what a worker of a fleet reviews against, outside a test: the
// Azure DevOps simulator (azdotest.Start) and an embedded JetStream server
// with the streams and the review state's buckets, in memory.
type Rig struct {
	Sim   *azdotest.Sim
	NATS  *eventstest.Bundle
	Store *coordination.Store
	stop  func()
}

// StartRig starts the simulator and the JetStream server on loopback;
// Close stops them. The state bucket has no epoch yet: a caller measuring
// pull requests created after it calls Store.StateEpoch first.
func StartRig(ctx context.Context) (*Rig, error) {
	sim, err := azdotest.Start()
	if err != nil {
		return nil, err
	}
	nats, stop, err := eventstest.New(broker.Options{}, streams.Config{Memory: true})
	if err != nil {
		_ = sim.Server.Close()
		return nil, err
	}
	r := &Rig{Sim: sim, NATS: nats, stop: stop}
	if r.Store, err = coordination.Ensure(ctx, nats.JS, streams.Config{Memory: true}, coordination.Config{}); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Close stops the JetStream server and the simulator.
func (r *Rig) Close() {
	r.stop()
	_ = r.Sim.Server.Close()
}
