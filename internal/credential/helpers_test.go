package credential_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func patHeader(token string) (string, error) {
	return azdo.PAT(token).Authorization(context.Background())
}

// fakeClock is a credential.Clock the test moves on.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
