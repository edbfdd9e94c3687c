//go:build unix

package analyzers

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// readableBy reports whether a process of uid with the only group gid can
// read the file at path: every directory on its resolved path must be
// searchable and the file readable by the permission bits that apply.
func readableBy(path string, uid, gid int) (bool, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", path, err)
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return false, err
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		ok, err := permits(dir, uid, gid, 1)
		if err != nil || !ok {
			return false, err
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	return permits(real, uid, gid, 4)
}

// permits reports whether the owner, group or other bits of name that apply
// to uid and gid include bit (4 read, 1 search).
func permits(name string, uid, gid int, bit os.FileMode) (bool, error) {
	info, err := os.Stat(name)
	if err != nil {
		return false, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true, nil
	}
	mode := info.Mode().Perm()
	switch {
	case int(st.Uid) == uid:
		return mode&(bit<<6) != 0, nil
	case int(st.Gid) == gid:
		return mode&(bit<<3) != 0, nil
	default:
		return mode&bit != 0, nil
	}
}
