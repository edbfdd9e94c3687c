package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/app/apptest"
	"github.com/azreviewer/azreviewer/internal/fleet"
)

// deliverer sends the script's webhooks to the ingest handlers, round
// robin, and counts the answers. A delivery answered 5xx, or not at all, is
// sent again in the background, RetryPause apart, as Azure DevOps retries a
// failed delivery. Safe for concurrent use.
type deliverer struct {
	ingests []*apptest.Ingest
	res     *Result
	start   time.Time
	retries int
	pause   time.Duration

	next    atomic.Uint64
	pending sync.WaitGroup
	mu      sync.Mutex
	// seqs are the stream sequences ingest answered per pull request
	// (index into the script's pull requests).
	seqs map[int][]uint64
}

// deliver sends body, a webhook of pull request pr.
func (d *deliverer) deliver(ctx context.Context, pr int, body []byte) error {
	d.mu.Lock()
	d.res.Webhooks++
	d.mu.Unlock()
	if d.attempt(ctx, pr, body) {
		return nil
	}
	d.pending.Go(func() {
		for range d.retries {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d.pause):
			}
			if d.attempt(ctx, pr, body) {
				return
			}
		}
		d.mu.Lock()
		d.res.GaveUp++
		d.mu.Unlock()
	})
	return nil
}

// attempt sends body once and reports whether the delivery is done with:
// accepted, or refused with a status Azure DevOps does not retry.
func (d *deliverer) attempt(ctx context.Context, pr int, body []byte) bool {
	in := d.ingests[d.next.Add(1)%uint64(len(d.ingests))]
	a, err := in.Deliver(ctx, body)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.res.Attempts++
	switch {
	case err != nil:
		d.res.NoAnswer++
		return false
	case a.Accepted():
		if a.Duplicate {
			d.res.Duplicate++
		} else {
			d.res.Accepted++
		}
		if a.Sequence > 0 {
			d.seqs[pr] = append(d.seqs[pr], a.Sequence)
		}
		return true
	default:
		d.res.Refused++
		d.res.Answers[a.Status]++
		if a.Status == 503 {
			at := time.Since(d.start)
			if d.res.First503 == 0 {
				d.res.First503 = at
			}
			d.res.Last503 = at
		}
		return a.Status < 500
	}
}

// wait waits for the retries in the background.
func (d *deliverer) wait() { d.pending.Wait() }

// sequences returns the stream sequences accepted for pull request pr, or
// for every pull request when pr is negative.
func (d *deliverer) sequences(pr int) []uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if pr >= 0 {
		return slices.Clone(d.seqs[pr])
	}
	var all []uint64
	for _, s := range d.seqs {
		all = append(all, s...)
	}
	return all
}

// killLeader SIGKILLs the server leading the review stream, waits until
// another is elected, and restarts the killed one after down.
func killLeader(ctx context.Context, st jetstream.Stream, c *apptest.Cluster, down time.Duration, res *Result, start time.Time, progress func(string, ...any)) error {
	leader, err := streamLeader(ctx, st, "")
	if err != nil {
		return fmt.Errorf("the review stream's leader: %w", err)
	}
	node := c.Node(leader)
	if node == nil {
		return fmt.Errorf("the review stream's leader %q is not a node of the cluster", leader)
	}
	if err := node.Kill(); err != nil {
		return err
	}
	killed := time.Now()
	res.LeaderKilled, res.LeaderKilledAt = leader, killed.Sub(start)
	progress("SIGKILLed nats-server %s, the review stream's leader, at %s", leader, res.LeaderKilledAt.Round(time.Millisecond))
	electCtx, cancel := context.WithTimeout(ctx, time.Minute)
	res.NewLeader, err = streamLeader(electCtx, st, leader)
	cancel()
	if err != nil {
		return fmt.Errorf("no new leader of the review stream after %s was killed: %w", leader, err)
	}
	res.ElectedAfter = time.Since(killed)
	progress("%s leads the review stream %s after the kill", res.NewLeader, res.ElectedAfter.Round(time.Millisecond))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(killed.Add(down))):
	}
	restartCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := node.Restart(restartCtx); err != nil {
		return err
	}
	res.LeaderRestartedAt = time.Since(start)
	progress("nats-server %s restarted and healthy at %s", leader, res.LeaderRestartedAt.Round(time.Millisecond))
	return nil
}

// streamLeader polls (every 100 ms; there is no signal for it) until the
// stream has a leader other than not, and returns its server name.
func streamLeader(ctx context.Context, st jetstream.Stream, not string) (string, error) {
	for {
		infoCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		info, err := st.Info(infoCtx)
		cancel()
		if err == nil && info.Cluster != nil && info.Cluster.Leader != "" && info.Cluster.Leader != not {
			return info.Cluster.Leader, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// killAndReplace waits until the first worker process holds a pull
// request's lease (it is in the middle of a review), SIGKILLs it, starts
// a replacement, and starts measuring the recovery (see watchRecovery),
// whose result it sends on recovered.
func killAndReplace(ctx context.Context, s *apptest.Streams, mu *sync.Mutex, procs *[]*apptest.Process, victim *apptest.LogTally,
	opts apptest.ProcessOptions, d *deliverer, prs []*pullRequest, res *Result, start time.Time, recovered chan<- error, progress func(string, ...any),
) error {
	mu.Lock()
	p := (*procs)[0]
	*procs = (*procs)[1:]
	mu.Unlock()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := waitForLease(wctx, s.JS, p.Pid()); err != nil {
		_ = p.Kill()
		recovered <- nil
		return fmt.Errorf("the worker process to kill never took a lease: %w", err)
	}
	if err := p.Kill(); err != nil {
		recovered <- nil
		return err
	}
	killed := time.Now()
	res.KilledAt = killed.Sub(start)
	res.VictimReviews = victim.Count(apptest.MsgReviewPosted)

	// What it held: the pull requests whose leases it held, and of each
	// the messages still in the stream at the kill.
	byID := map[int]int{}
	for i, pr := range prs {
		byID[pr.pr.ID()] = i
	}
	held := leasesHeldBy(ctx, s.JS, p.Pid())
	res.VictimLeases = len(held)
	watch := map[int][]uint64{}
	for _, key := range held {
		id, err := strconv.Atoi(key[strings.LastIndexByte(key, '.')+1:])
		if i, ok := byID[id]; err == nil && ok {
			watch[id] = inStream(ctx, s.Stream, d.sequences(i))
		}
	}
	backlog := inStream(ctx, s.Stream, d.sequences(-1))
	res.BacklogAtKill = len(backlog)
	progress("SIGKILLed worker process %d at %s after %d reviews, holding the leases of %d pull requests; %d messages in the stream",
		p.Pid(), res.KilledAt.Round(time.Millisecond), res.VictimReviews, res.VictimLeases, len(backlog))
	go func() { recovered <- watchRecovery(ctx, s.Stream, killed, watch, backlog, res, progress) }()

	replacement, err := apptest.StartWorkerProcess(ctx, opts)
	if err != nil {
		return err
	}
	mu.Lock()
	*procs = append(*procs, replacement)
	mu.Unlock()
	progress("replacement worker process %d consuming", replacement.Pid())
	return nil
}

// watchRecovery measures the recovery after a worker's kill: for each pull
// request whose lease the worker held (it was reviewing it), the time from
// the kill until every message of that pull request that was in the stream
// at the kill has left it — acknowledged by another worker once it
// reviewed the pull request (or found it reviewed): the review stream is a
// work queue, so a message leaves it when it is acknowledged (or
// terminated). The recovery is the longest of these; it returns once it is
// known. Until ctx ends it goes on recording when the whole backlog at the
// kill had left the stream. It polls every 100 ms.
func watchRecovery(ctx context.Context, st jetstream.Stream, killed time.Time, watch map[int][]uint64, backlog []uint64, res *Result, progress func(string, ...any)) error {
	// The backlog is watched until res.backlogSettled is called (at the
	// end of the run), at most 10 minutes.
	bctx, stopBacklog := context.WithTimeout(ctx, 10*time.Minute)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	recovery := map[int]time.Duration{}
	var mu sync.Mutex
	done := make(chan struct{})
	var backlogSettled time.Duration
	go func() {
		defer close(done)
		for len(backlog) > 0 && bctx.Err() == nil {
			if backlog = inStream(bctx, st, backlog); len(backlog) > 0 {
				select {
				case <-bctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
		if len(backlog) == 0 {
			mu.Lock()
			backlogSettled = time.Since(killed)
			mu.Unlock()
		}
	}()
	res.backlogSettled = func() time.Duration {
		select {
		case <-done:
		case <-time.After(time.Second):
		}
		stopBacklog()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return backlogSettled
	}
	for {
		for id, seqs := range watch {
			if _, done := recovery[id]; done {
				continue
			}
			if watch[id] = inStream(ctx, st, seqs); len(watch[id]) == 0 {
				recovery[id] = time.Since(killed)
				progress("pull request %d, held by the killed worker, settled %s after the kill", id, recovery[id].Round(time.Millisecond))
			}
		}
		if len(recovery) == len(watch) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("recovery after the worker's kill: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	res.RecoveryByPR = recovery
	for _, d := range recovery {
		res.Recovery = max(res.Recovery, d)
	}
	return nil
}

// inStream returns the sequences of seqs still in the stream. A lookup that
// fails otherwise (a leader election) counts as still there.
func inStream(ctx context.Context, st jetstream.Stream, seqs []uint64) []uint64 {
	var left []uint64
	for _, seq := range seqs {
		getCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := st.GetMsg(getCtx, seq)
		cancel()
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			left = append(left, seq)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(left)))
}

// waitForLease returns once process pid holds a pull request's lease —
// at least two at once if that happens within 10 s, so that the kill
// interrupts more than one review. It polls the lease bucket every 100 ms
// (a watch would end with a leader election of the bucket; a failed
// look-up is only tried again).
func waitForLease(ctx context.Context, js jetstream.JetStream, pid int) error {
	want := time.Now().Add(10 * time.Second)
	for {
		if n := len(leasesHeldBy(ctx, js, pid)); n >= 2 || (n >= 1 && time.Now().After(want)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// leasesHeldBy returns the keys of the pull-request leases whose holder is
// process pid (lease values are "host/pid"): reviews it was in the middle
// of. Each look-up is bounded by 2 s.
func leasesHeldBy(ctx context.Context, js jetstream.JetStream, pid int) []string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, fleet.Names{}.LeaseBucket())
	if err != nil {
		return nil
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil
	}
	var held []string
	for key := range keys.Keys() {
		if e, err := kv.Get(ctx, key); err == nil && strings.HasSuffix(string(e.Value()), "/"+strconv.Itoa(pid)) {
			held = append(held, key)
		}
	}
	return held
}
