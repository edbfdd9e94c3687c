package main

import (
	"strings"
	"testing"
	"time"
)

// TestScaledDownRun runs the scripted delivery scenario at a tenth of its
// size — 10 pull requests, 40 webhooks with duplicates, two subscriptions,
// created/updated races and injected 429/5xx — with four in-process workers
// wired as app.RunWorker wires them but redelivering after 100 ms instead of
// 5 s (no worker process: building and killing one takes longer than the
// rest of the run), and checks nothing is duplicated, lost or
// dead-lettered.
func TestScaledDownRun(t *testing.T) {
	cfg := defaultConfig()
	cfg.PRs, cfg.Webhooks, cfg.Workers, cfg.Processes, cfg.Rate, cfg.Timeout = 10, 40, 4, 0, 200, time.Minute
	cfg.ShortBackoff = true
	res, err := run(t.Context(), cfg)
	if res != nil {
		var out strings.Builder
		res.Print(&out)
		t.Log("\n" + out.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if !res.Settled {
		t.Error("the review stream did not settle")
	}
	if res.Webhooks != 40 {
		t.Errorf("sent %d webhooks, want 40", res.Webhooks)
	}
	if res.Duplicate == 0 || res.Accepted == 0 {
		t.Errorf("the script must produce both stored and duplicate deliveries (stored %d, duplicate %d)", res.Accepted, res.Duplicate)
	}
	if res.Duplicates != 0 {
		t.Errorf("%d duplicate threads", res.Duplicates)
	}
	if len(res.Lost) != 0 {
		t.Errorf("%d lost events: %v", len(res.Lost), res.LostDetail)
	}
	if res.DeadLetters != 0 {
		t.Errorf("%d dead letters", res.DeadLetters)
	}
	if res.Reviews < cfg.PRs {
		t.Errorf("%d reviews for %d pull requests", res.Reviews, cfg.PRs)
	}
}
