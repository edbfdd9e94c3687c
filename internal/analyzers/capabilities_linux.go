package analyzers

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// missingCapabilities returns the capabilities, of those a root worker
// needs to run its tools as another user, that this process lacks.
func missingCapabilities() ([]string, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return missingIn(strings.TrimSpace(v))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("no CapEff in /proc/self/status")
}

// missingIn returns the needed capabilities missing from an effective set
// written in hexadecimal, as /proc/<pid>/status shows it.
func missingIn(capEff string) ([]string, error) {
	set, err := strconv.ParseUint(capEff, 16, 64)
	if err != nil {
		return nil, fmt.Errorf("CapEff %q: %w", capEff, err)
	}
	var missing []string
	for _, c := range neededCapabilities() {
		if set&(1<<c.bit) == 0 {
			missing = append(missing, c.name)
		}
	}
	return missing, nil
}
