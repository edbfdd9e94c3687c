package analyzers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Bounds of [killUser].
const (
	// reapTimeout is how long killUser keeps killing the processes of a
	// user before it gives up on them.
	reapTimeout = 5 * time.Second
	// reapPause is the first pause between two scans; it doubles up to
	// reapMaxPause.
	reapPause    = time.Millisecond
	reapMaxPause = 50 * time.Millisecond
)

// killUser sends SIGKILL to every process whose real, effective, saved or
// file-system uid is uid, found by scanning /proc, and scans again until
// none is alive, for at most [reapTimeout]. A process that left the tool's
// process group (setsid, a shell's job control) or was reparented to init
// is found all the same. Zombies are dead already; the ones this process
// must reap (it is their parent, e.g. as a container's init) are reaped.
func killUser(uid int) error {
	deadline := time.Now().Add(reapTimeout)
	pause := reapPause
	self := os.Getpid()
	for {
		procs, err := processesOf(func(id int) bool { return id == uid })
		if err != nil {
			return err
		}
		var alive []int
		for _, p := range procs {
			if p.zombie {
				if p.ppid == self {
					var ws unix.WaitStatus
					_, _ = unix.Wait4(p.pid, &ws, unix.WNOHANG, nil)
				}
				continue
			}
			if err := kill(p.pid, uid); err != nil {
				return fmt.Errorf("kill process %d of uid %d: %w", p.pid, uid, err)
			}
			alive = append(alive, p.pid)
		}
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %d processes of uid %d still alive after %s (pids %v)", ErrUserLeftOver, len(alive), uid, reapTimeout, alive[:min(len(alive), 10)])
		}
		time.Sleep(pause)
		pause = min(2*pause, reapMaxPause)
	}
}

// sharedDirs are the world-writable directories where a tool can leave
// files outside its tree (besides its TMPDIR, which is in the tree).
func sharedDirs() []string {
	dirs := []string{os.TempDir()}
	for _, d := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// removeFilesOf removes, from the top level of each of dirs, every entry
// (file, directory with all it holds, symbolic link itself) owned by uid:
// what a run left outside its tree, which a later run of the same id could
// otherwise read. It goes through an [os.Root] per directory and looks at
// each entry with Lstat, so no symbolic link leads it elsewhere. A
// directory that does not exist is skipped.
func removeFilesOf(uid int, dirs []string) error {
	var errs []error
	for _, dir := range dirs {
		root, err := os.OpenRoot(dir)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, removeOwned(root, uid))
		root.Close()
	}
	return errors.Join(errs...)
}

// removeOwned removes the entries of root's top level that uid owns.
func removeOwned(root *os.Root, uid int) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		info, err := root.Lstat(name)
		if err != nil {
			continue // gone meanwhile
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || int(st.Uid) != uid {
			continue
		}
		if err := root.RemoveAll(name); err != nil {
			errs = append(errs, fmt.Errorf("remove %s/%s: %w", root.Name(), name, err))
		}
	}
	return errors.Join(errs...)
}

// kill sends SIGKILL to process pid, which was seen with uid, through a
// pidfd when the kernel has them, so that a pid reused between the scan
// and the signal is not killed: the process is checked to be uid's once
// the pidfd holds it. A process that is gone already is not an error.
func kill(pid, uid int) error {
	fd, err := unix.PidfdOpen(pid, 0)
	switch {
	case errors.Is(err, unix.ESRCH):
		return nil
	case errors.Is(err, unix.ENOSYS):
		// Before Linux 5.3: a plain kill.
		if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			return err
		}
		return nil
	case err != nil:
		return err
	}
	defer unix.Close(fd)
	// The pid cannot be reused while fd's process lives (or is a zombie),
	// so if it is still the same user's now, fd is that process.
	p, ok, err := readProcess(pid)
	if err != nil || !ok || p.zombie || !slices.Contains(p.uids[:], uid) {
		return err
	}
	if err := unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0); err != nil && !errors.Is(err, unix.ESRCH) {
		return err
	}
	return nil
}

// process is what killUser needs of /proc/<pid>/status.
type process struct {
	pid, ppid int
	// uids are the real, effective, saved and file-system uids.
	uids   [4]int
	zombie bool
}

// processesOf returns the processes one of whose uids matches.
func processesOf(match func(uid int) bool) ([]process, error) {
	dir, err := os.Open("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	buf := make([]byte, statusBytes)
	var out []process
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid <= 0 {
			continue
		}
		p, ok, err := readStatus(pid, buf)
		if err != nil {
			return nil, err
		}
		if ok && slices.ContainsFunc(p.uids[:], match) {
			out = append(out, p)
		}
	}
	return out, nil
}

// statusBytes is more than a /proc/<pid>/status holds (about 1.5 KiB).
const statusBytes = 8 << 10

// readProcess parses /proc/<pid>/status; ok is false when the process is
// gone. The file is readable for every process, whoever owns it and
// whether it is dumpable or not.
func readProcess(pid int) (process, bool, error) {
	return readStatus(pid, make([]byte, statusBytes))
}

// readStatus is readProcess reading into buf.
func readStatus(pid int, buf []byte) (p process, ok bool, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ESRCH) {
			return p, false, nil
		}
		return p, false, fmt.Errorf("read process %d: %w", pid, err)
	}
	n, err := io.ReadFull(f, buf)
	f.Close()
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
	case errors.Is(err, unix.ESRCH):
		return p, false, nil
	case err != nil:
		return p, false, fmt.Errorf("read process %d: %w", pid, err)
	}
	p.pid = pid
	seenUID := false
	for rest := buf[:n]; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		key, value, _ := bytes.Cut(line, []byte(":"))
		switch string(key) {
		case "State":
			state := bytes.TrimSpace(value)
			p.zombie = len(state) > 0 && (state[0] == 'Z' || state[0] == 'X')
		case "PPid":
			p.ppid, _ = strconv.Atoi(string(bytes.TrimSpace(value)))
		case "Uid":
			fields := bytes.Fields(value)
			if len(fields) != 4 {
				return p, false, fmt.Errorf("process %d: unexpected Uid line %q", pid, value)
			}
			for i, f := range fields {
				if p.uids[i], err = strconv.Atoi(string(f)); err != nil {
					return p, false, fmt.Errorf("process %d: Uid line %q: %w", pid, value, err)
				}
			}
			seenUID = true
		}
	}
	if !seenUID {
		// A process that exited while its status was read.
		return p, false, nil
	}
	return p, true, nil
}

// CheckUnused returns an error naming processes (zombies aside) that run
// as one of the pool's ids: the ids must be used by nothing but this
// worker's tools, since every process of an id is killed after each run of
// a tool. A worker calls it at start-up, before it runs any tool.
func (u *Users) CheckUnused() error {
	procs, err := processesOf(u.Contains)
	if err != nil {
		return err
	}
	var found []string
	for _, p := range procs {
		if !p.zombie {
			found = append(found, fmt.Sprintf("pid %d (uids %v)", p.pid, p.uids))
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("%d processes run as these ids already, e.g. %s: give the analyzers ids nothing else uses (and each worker sharing this process namespace a range of its own)", len(found), strings.Join(found[:min(len(found), 5)], ", "))
	}
	return nil
}
