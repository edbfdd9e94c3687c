package analyzers

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Defaults of the user ids a root worker runs its tools as (see [Users]):
// 64 ids of a range no distribution, systemd or container runtime assigns,
// below 65536 so that they also exist in a user namespace mapping 65536
// ids.
const (
	DefaultUsers = "60600-60663"
	// MaxUsers bounds the size of a pool.
	MaxUsers = 65536
)

// ErrUserLeftOver is returned (wrapped) by a run after which processes of
// its user survived every kill: that user id is kept out of the pool.
var ErrUserLeftOver = errors.New("processes of the run's user survived it")

// Users is the pool of user ids a worker running as root runs its tools as:
// every run of a tool takes one id (as its uid and its only gid) for
// itself, and gives it back only once no process of that id is left.
// Concurrent runs therefore never share a user, and the size of the pool
// bounds how many tools run at once; a run that finds every id taken waits,
// as long as its context allows. Share one pool between all the analyzers
// of a worker, and give separate workers that share a process namespace
// ranges that do not overlap: every process of a pool's ids is killed after
// each run.
type Users struct {
	first, last int
	free        chan int
}

// NewUsers returns a pool of the ids first to last, inclusive: positive,
// at most 4294967294 and at most [MaxUsers] of them.
func NewUsers(first, last int) (*Users, error) {
	switch {
	case first <= 0:
		return nil, fmt.Errorf("user id %d: the analyzers' ids must be positive (0 is root)", first)
	case last < first:
		return nil, fmt.Errorf("user ids %d-%d: the range is empty", first, last)
	case last > 1<<32-2:
		return nil, fmt.Errorf("user id %d is not a valid id", last)
	case last-first+1 > MaxUsers:
		return nil, fmt.Errorf("user ids %d-%d: at most %d ids", first, last, MaxUsers)
	}
	u := &Users{first: first, last: last, free: make(chan int, last-first+1)}
	for id := first; id <= last; id++ {
		u.free <- id
	}
	return u, nil
}

// ParseUsers returns the pool of a range written "FIRST-LAST", or "ID" for
// a single id (see [NewUsers]).
func ParseUsers(s string) (*Users, error) {
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if !isRange {
		hi = lo
	}
	first, err1 := strconv.Atoi(strings.TrimSpace(lo))
	last, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("user ids %q: not FIRST-LAST (e.g. %s): %w", s, DefaultUsers, err)
	}
	return NewUsers(first, last)
}

// String returns the range as "FIRST-LAST".
func (u *Users) String() string { return fmt.Sprintf("%d-%d", u.first, u.last) }

// Contains reports whether id is one of the pool's ids.
func (u *Users) Contains(id int) bool { return id >= u.first && id <= u.last }

// Size returns how many ids the pool has, and so how many tools run at
// once at most.
func (u *Users) Size() int { return u.last - u.first + 1 }

// acquire takes a free id, waiting until one is given back or ctx is done.
func (u *Users) acquire(ctx context.Context) (*credential, error) {
	select {
	case id := <-u.free:
		return &credential{uid: id, gid: id}, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a free analyzer user id (%d in use): %w", u.Size(), ctx.Err())
	}
}

// release kills every process left of c's user, calls cleanup (which
// removes the run's tree), removes what the user left in the shared
// temporary directories (/tmp, /var/tmp, /dev/shm) and gives the id back to
// the pool; when some process survives or a file cannot be removed, it
// keeps the id out of the pool for good and returns an error (wrapping
// [ErrUserLeftOver] for processes).
func (u *Users) release(c *credential, cleanup func()) error {
	err := killUser(c.uid)
	cleanup()
	if err == nil {
		// Only once nothing of the user runs, so nothing is added
		// meanwhile.
		err = removeFilesOf(c.uid, sharedDirs())
	}
	if err != nil {
		return fmt.Errorf("uid %d taken out of the analyzers' pool: %w", c.uid, err)
	}
	u.free <- c.uid
	return nil
}
