package analyzers

import (
	"cmp"
	"os"
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
