package main

import (
	"math/rand/v2"
)

// The script: per pull request, a list of steps, each one or two webhook
// deliveries; the steps of all pull requests are interleaved at random (by
// seed) and sent in order, so one pull request's steps keep their order.

type stepKind int

const (
	// stepCreated delivers the created event.
	stepCreated stepKind = iota
	// stepRace pushes iteration 2 first, then delivers created (for
	// iteration 1) and updated (for 2) at the same time.
	stepRace
	// stepPush pushes a new iteration and delivers its updated event from
	// the project-level subscription.
	stepPush
	// stepSecondSubscription delivers the last updated event again as the
	// repository-level subscription would: other subscriptionId,
	// notificationId and event id, same pull request and commit.
	stepSecondSubscription
	// stepRetry delivers the last body again, byte for byte (Azure DevOps
	// retrying a delivery whose answer it did not get).
	stepRetry
	// stepVote delivers an updated event that is not a push (a vote, a
	// title change): same source commit.
	stepVote
	// stepLateCreated delivers the created event for the first time, after
	// updated events of later pushes.
	stepLateCreated
)

func (k stepKind) String() string {
	return [...]string{"created", "created+updated race", "push", "second subscription", "retry", "vote", "late created"}[k]
}

// deliveries is how many webhooks a step sends.
func (k stepKind) deliveries() int {
	if k == stepRace {
		return 2
	}
	return 1
}

type step struct {
	pr   int
	kind stepKind
}

// maxPushes bounds the iterations of one pull request.
const maxPushes = 5

// plan writes the script: budget webhooks over prs pull requests.
func plan(rng *rand.Rand, prs, budget int) []step {
	perPR := make([][]step, prs)
	for i := range prs {
		b := budget / prs
		if i < budget%prs {
			b++
		}
		perPR[i] = planPR(rng, i, b)
	}
	var out []step
	for remaining := len(perPR); remaining > 0; {
		i := rng.IntN(len(perPR))
		if len(perPR[i]) == 0 {
			continue
		}
		out = append(out, perPR[i][0])
		if perPR[i] = perPR[i][1:]; len(perPR[i]) == 0 {
			remaining--
		}
	}
	return out
}

// planPR writes one pull request's steps, sending budget webhooks (at
// least one).
func planPR(rng *rand.Rand, pr, budget int) []step {
	var steps []step
	add := func(k stepKind) {
		steps = append(steps, step{pr: pr, kind: k})
		budget -= k.deliveries()
	}
	pushes := 1 // iteration 1 exists from the start
	lastIsUpdate := false
	switch r := rng.Float64(); {
	case r < 0.25 && budget >= 2:
		add(stepRace)
		pushes++
		lastIsUpdate = true
	case r < 0.45 && budget >= 3:
		// created arrives after the updated events of two pushes.
		add(stepPush)
		add(stepPush)
		add(stepLateCreated)
		pushes += 2
	default:
		add(stepCreated)
	}
	for budget > 0 {
		r := rng.Float64()
		switch {
		case r < 0.45 && pushes < maxPushes:
			add(stepPush)
			pushes++
			lastIsUpdate = true
		case r < 0.65 && lastIsUpdate:
			add(stepSecondSubscription)
		case r < 0.85:
			add(stepRetry)
		default:
			add(stepVote)
			lastIsUpdate = true
		}
	}
	return steps
}
