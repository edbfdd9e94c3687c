//go:build linux

package jaegertest

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestListenersLoopbackOnly checks, from /proc, that the started Jaeger
// listens on exactly the four addresses Start reports and on nothing else
// (no other TCP listener, no UDP socket): the guard against a Jaeger upgrade
// that adds a listener to the all-in-one configuration.
func TestListenersLoopbackOnly(t *testing.T) {
	j := Start(t)
	pid := j.proc.cmd.Process.Pid

	inodes := socketInodes(t, pid)
	var listening []string
	for _, proto := range []string{"tcp", "tcp6", "udp", "udp6"} {
		for _, s := range procNetSockets(t, pid, proto) {
			if !inodes[s.inode] {
				continue // another process's socket in this network namespace
			}
			switch {
			case strings.HasPrefix(proto, "udp"):
				t.Errorf("jaeger has a %s socket on %v", proto, s.local)
			case s.state == "0A": // TCP_LISTEN
				listening = append(listening, s.local.String())
			}
		}
	}
	want := []string{j.OTLPGRPCEndpoint, strings.TrimPrefix(j.OTLPHTTPEndpoint, "http://"),
		strings.TrimPrefix(j.QueryURL, "http://"), j.QueryGRPCEndpoint}
	slices.Sort(listening)
	slices.Sort(want)
	if !slices.Equal(listening, want) {
		t.Errorf("jaeger listens on %v, want exactly %v", listening, want)
	}
}

// socketInodes returns the inodes of pid's open sockets.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		t.Skipf("cannot read %s: %v", dir, err)
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	return inodes
}

type procSocket struct {
	local netip.AddrPort
	state string // hex, as in the file
	inode string
}

// procNetSockets parses /proc/PID/net/{tcp,tcp6,udp,udp6}.
func procNetSockets(t *testing.T, pid int, proto string) []procSocket {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, proto))
	if err != nil {
		if os.IsNotExist(err) { // e.g. no IPv6
			return nil
		}
		t.Fatal(err)
	}
	defer f.Close()
	var out []procSocket
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		local, err := parseProcAddr(fields[1])
		if err != nil {
			t.Fatalf("%s: %q: %v", proto, fields[1], err)
		}
		out = append(out, procSocket{local: local, state: fields[3], inode: fields[9]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// parseProcAddr parses "0100007F:1F90": the address as 32-bit words in host
// byte order, then the port in big-endian hex.
func parseProcAddr(s string) (netip.AddrPort, error) {
	hexIP, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("no colon")
	}
	raw, err := hex.DecodeString(hexIP)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", hexIP)
	}
	for i := 0; i < len(raw); i += 4 { // host-order words → network order
		binary.BigEndian.PutUint32(raw[i:], binary.NativeEndian.Uint32(raw[i:]))
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, err
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(port)), nil
}
