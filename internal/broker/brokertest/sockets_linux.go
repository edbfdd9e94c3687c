// Package brokertest looks at the process from outside, as another local
// process would: which TCP ports it listens on, and whether any of them
// serves NATS to a client without credentials.
package brokertest

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// ListeningPorts returns the TCP ports (IPv4 and IPv6) this process
// listens on, read from /proc as any process on the machine could.
func ListeningPorts(t testing.TB) []int {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("list file descriptors: %v", err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var ports []int
	for _, table := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		f, err := os.Open(table)
		if err != nil {
			continue // no IPv6
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
				ports = append(ports, int(p))
			}
		}
		_ = f.Close()
	}
	return ports
}

// NATSServedOn returns the ports among ports on which a NATS client
// without credentials connects to 127.0.0.1.
func NATSServedOn(ports []int) []int {
	var open []int
	for _, p := range ports {
		nc, err := nats.Connect("nats://127.0.0.1:"+strconv.Itoa(p), nats.Timeout(time.Second), nats.NoReconnect())
		if err == nil {
			open = append(open, p)
			nc.Close()
		}
	}
	return open
}
