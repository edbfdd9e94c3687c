package analyzers

import (
	"cmp"
	"fmt"
	"os"
	"strings"
)

// Defaults of the user a tool runs as when the worker runs as root: nobody
// and nogroup on Debian and in distroless images.
const (
	DefaultUID = 65534
	DefaultGID = 65534
)

// credential is the user and only group a tool runs as.
type credential struct{ uid, gid int }

// runAs returns the user the tool runs as: a.UID and a.GID (or their
// defaults) when the worker runs as root, nil (the worker's own user)
// otherwise.
func (a Analyzer) runAs() *credential {
	if os.Geteuid() != 0 {
		return nil
	}
	return &credential{uid: cmp.Or(a.UID, DefaultUID), gid: cmp.Or(a.GID, DefaultGID)}
}

// ToolsCanRead reports whether a tool run by this process as uid and gid
// (see [Analyzer.UID]) could read the file at path: when this process is
// not root the tools run as its own user, so they can read whatever it can;
// as root, the file's mode and owner, and those of every directory on its
// resolved path, decide (access control lists are not looked at). Use it
// for the files holding the worker's secrets.
func ToolsCanRead(path string, uid, gid int) (bool, error) {
	if os.Geteuid() != 0 {
		return true, nil
	}
	return readableBy(path, cmp.Or(uid, DefaultUID), cmp.Or(gid, DefaultGID))
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
