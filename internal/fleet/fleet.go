// Package fleet names the JetStream resources of one azreviewer fleet: the
// review stream and its subjects, the workers' consumer, the dead-letter
// stream and its subjects, and the coordination buckets. Every name is
// derived here from the fleet's name (FLEET_NAME), so any number of fleets
// share one NATS cluster without seeing each other's work; the default
// fleet, "azreviewer", has the names of the versions before fleets existed
// (AZREVIEWER_REVIEWS, azreviewer.review.…, azreviewer-leases, …).
package fleet

import (
	"cmp"
	"fmt"
	"strings"
)

// Default is the name of the default fleet.
const Default = "azreviewer"

// MaxNameLen is the longest fleet name.
const MaxNameLen = 32

// Consumer is the durable pull consumer every worker of a fleet shares. A
// consumer's name is scoped to its stream, and the stream is the fleet's,
// so the name is the same in every fleet (and KEDA's trigger names both).
const Consumer = "workers"

// Names are the resource names of one fleet. The zero value is the
// default fleet's. A Names is a flag.Value (the --fleet-name flag), whose
// Set validates the name. Safe for concurrent reads.
type Names struct {
	name string
}

// New returns the names of fleet name, or an error saying what makes it
// unusable.
func New(name string) (Names, error) {
	var n Names
	if err := n.Set(name); err != nil {
		return Names{}, err
	}
	return n, nil
}

// Set validates name and makes n that fleet's names. A fleet name is 1 to
// 32 lower-case letters, digits, '-' and '_', starting with a letter or
// digit: a token valid in a NATS subject, a stream name and a bucket name
// alike. Upper case is refused because stream names are the fleet's name
// upper-cased: "a" and "A" would share AZREVIEWER-style stream names but
// not subjects.
func (n *Names) Set(name string) error {
	if name == "" {
		return fmt.Errorf("fleet name is empty: leave FLEET_NAME unset for the default %q", Default)
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("fleet name %q is longer than %d characters", name, MaxNameLen)
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '_') && i > 0:
		default:
			return fmt.Errorf("fleet name %q: %q is not allowed (use lower-case letters, digits, '-' and '_', starting with a letter or digit)", name, r)
		}
	}
	n.name = name
	return nil
}

// String is the fleet's name.
func (n Names) String() string { return n.Fleet() }

// Fleet is the fleet's name.
func (n Names) Fleet() string { return cmp.Or(n.name, Default) }

// ReviewStream is the work-queue stream of review requests:
// <FLEET>_REVIEWS, AZREVIEWER_REVIEWS for the default fleet.
func (n Names) ReviewStream() string { return strings.ToUpper(n.Fleet()) + "_REVIEWS" }

// ReviewSubjectPrefix prefixes the subjects of review requests,
// <fleet>.review.<repositoryId>.<pullRequestId>.
func (n Names) ReviewSubjectPrefix() string { return n.Fleet() + ".review." }

// ReviewSubjects is the wildcard of every review request's subject.
func (n Names) ReviewSubjects() string { return n.ReviewSubjectPrefix() + ">" }

// Consumer is the workers' durable consumer on ReviewStream.
func (n Names) Consumer() string { return Consumer }

// DeadLetterStream is the stream of dead letters: <FLEET>_DEAD_LETTERS.
func (n Names) DeadLetterStream() string { return strings.ToUpper(n.Fleet()) + "_DEAD_LETTERS" }

// DeadLetterSubjectPrefix prefixes the subjects of dead letters: the dead
// letter of <fleet>.review.<r>.<pr> is stored on <fleet>.deadletter.<r>.<pr>.
func (n Names) DeadLetterSubjectPrefix() string { return n.Fleet() + ".deadletter." }

// DeadLetterSubjects is the wildcard of every dead letter's subject.
func (n Names) DeadLetterSubjects() string { return n.DeadLetterSubjectPrefix() + ">" }

// LeaseBucket is the key-value bucket of per-pull-request leases:
// <fleet>-leases.
func (n Names) LeaseBucket() string { return n.Fleet() + "-leases" }

// BudgetBucket is the key-value bucket of identity-wide Azure DevOps
// budgets: <fleet>-budget, azreviewer-budget for the default fleet.
func (n Names) BudgetBucket() string { return n.Fleet() + "-budget" }

// StateBucket is the key-value bucket of per-pull-request review state:
// <fleet>-review-state.
func (n Names) StateBucket() string { return n.Fleet() + "-review-state" }

// MemoryBucket is the key-value bucket of what the fleet learns and
// counts beyond one review: per repository the findings people marked
// won't fix or by design, per pull request the use of the commands that ask
// the model: <fleet>-memory.
func (n Names) MemoryBucket() string { return n.Fleet() + "-memory" }
