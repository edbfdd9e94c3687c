package analyzers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// credential is the user and only group a tool runs as.
type credential struct{ uid, gid int }

// runAs returns the user the tool runs as: an id of a.Users, for this run
// alone, when the worker runs as root (waiting for one as long as ctx
// allows), nil (the worker's own user) otherwise.
func (a Analyzer) runAs(ctx context.Context) (*credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if a.Users == nil {
		return nil, fmt.Errorf("analyzer %s: the worker runs as root but has no user ids to run the tool as (Analyzer.Users)", a.Name)
	}
	return a.Users.acquire(ctx)
}

// ToolsCanRead reports whether a tool run by this process as one of the
// ids of users could read the file at path: when this process is not root
// the tools run as its own user, so they can read whatever it can; as
// root, the file's mode and owner, and those of every directory on its
// resolved path, decide for each id of users (access control lists are not
// looked at). Use it for the files holding the worker's secrets.
func ToolsCanRead(path string, users *Users) (bool, error) {
	if os.Geteuid() != 0 {
		return true, nil
	}
	if users == nil {
		return false, errors.New("no user ids for the tools")
	}
	return readableBy(path, users)
}

// neededCapabilities are what a root worker needs to run its tools as
// another user: change to it, hand it the tree, kill its process group, and
// remove what it wrote in the tree afterwards.
func neededCapabilities() []capability {
	return []capability{
		{"CAP_CHOWN", 0},
		{"CAP_DAC_OVERRIDE", 1},
		{"CAP_KILL", 5},
		{"CAP_SETGID", 6},
		{"CAP_SETUID", 7},
	}
}

// capability is a Linux capability and its bit in a capability set.
type capability struct {
	name string
	bit  uint
}

// CheckCapabilities returns an error naming the capabilities a worker
// running as root lacks to run its tools as another user (CAP_CHOWN,
// CAP_DAC_OVERRIDE, CAP_KILL, CAP_SETGID, CAP_SETUID; a container's default
// set has them all), or nil, also for a worker that is not root.
func CheckCapabilities() error {
	if os.Geteuid() != 0 {
		return nil
	}
	missing, err := missingCapabilities()
	if err != nil {
		return fmt.Errorf("read the worker's capabilities: %w", err)
	}
	if len(missing) > 0 {
		return fmt.Errorf("the worker runs as root without %s, which it needs to run the external analyzers as another user: add them to the container", strings.Join(missing, ", "))
	}
	return nil
}
