//go:build unix

package analyzers

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// readableBy reports whether a process whose uid and only gid are one of
// the ids of users can read the file at path: every directory on its
// resolved path must be searchable and the file readable by the permission
// bits that apply to that id.
func readableBy(path string, users *Users) (bool, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", path, err)
	}
	if resolved, err = filepath.Abs(resolved); err != nil {
		return false, err
	}
	for _, id := range candidates(resolved, users) {
		ok, err := readableByID(path, id, id)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// candidates returns the ids of users that the permission bits on path can
// tell apart: the owners and groups of the file and of its directories
// that are ids of users, and one id that is none of them, if there is one.
func candidates(path string, users *Users) []int {
	special := map[int]bool{}
	for name := path; ; name = filepath.Dir(name) {
		if info, err := os.Stat(name); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				for _, id := range []int{int(st.Uid), int(st.Gid)} {
					if users.Contains(id) {
						special[id] = true
					}
				}
			}
		}
		if name == filepath.Dir(name) {
			break
		}
	}
	ids := make([]int, 0, len(special)+1)
	for id := range special {
		ids = append(ids, id)
	}
	for id := users.first; id <= users.last; id++ {
		if !special[id] {
			ids = append(ids, id)
			break
		}
	}
	return ids
}

// readableByID reports whether a process of uid with the only group gid
// can read the file at path.
func readableByID(path string, uid, gid int) (bool, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false, fmt.Errorf("resolve %s: %w", path, err)
	}
	resolved, err = filepath.Abs(resolved)
	if err != nil {
		return false, err
	}
	for dir := filepath.Dir(resolved); ; dir = filepath.Dir(dir) {
		ok, err := permits(dir, uid, gid, 1)
		if err != nil || !ok {
			return false, err
		}
		if dir == filepath.Dir(dir) {
			break
		}
	}
	return permits(resolved, uid, gid, 4)
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
