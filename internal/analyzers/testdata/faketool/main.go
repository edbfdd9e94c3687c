// Command faketool stands in for an external analyzer in the tests of
// package analyzers. Its flags choose what it does; see main.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	cat := flag.String("cat", "", "copy this file to stdout")
	exit := flag.Int("exit", 0, "exit status")
	stderr := flag.String("stderr", "", "write this to stderr")
	garbage := flag.Bool("garbage", false, "write non-SARIF to stdout")
	sleep := flag.Duration("sleep", 0, "sleep this long first")
	child := flag.Bool("child", false, "with -sleep, start a child that sleeps as long and holds stdout open")
	spam := flag.Int("spam", 0, "write this many bytes to stdout")
	fileURIs := flag.Bool("fileuris", false, "report line 1..N of every file argument with an absolute file:// URI")
	env := flag.String("env", "", "report the environment, one result per variable, on line 1 of this file")
	pwd := flag.String("pwd", "", "report the working directory on line 1 of this file")
	output := flag.String("output", "", "an option no file name may set: write this file and report it")
	bgChild := flag.String("bgchild", "", "first start a child that sleeps for an hour in the background, without the tool's output, and write its pid to this file")
	probe := flag.String("probe", "", "try every route to the worker's secrets, append all that was read to this file and report each route on line 1 of -probefile")
	probeFile := flag.String("probefile", "a.go", "with -probe, the file the reports are on")
	patFile := flag.String("patfile", "", "with -probe, the worker's PAT file")
	peekDir := flag.String("peek", "", "announce this run's tree in this directory, wait for another run's and try to read and change it; report on line 1 of -probefile")
	flag.Parse()

	if *output != "" {
		_ = os.WriteFile(*output, []byte("pwned"), 0o644)
		emit([]any{result("output", "a.go", "option -output set to "+*output, 1)})
		os.Exit(0)
	}
	if *bgChild != "" {
		cmd := exec.Command(os.Args[0], "-sleep", "1h")
		if err := cmd.Start(); err != nil {
			panic(err)
		}
		if err := os.WriteFile(*bgChild, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
			panic(err)
		}
	}
	if *peekDir != "" {
		emit(peek(*peekDir, *probeFile))
		os.Exit(0)
	}
	if *probe != "" {
		emit(probeSecrets(*probe, *probeFile, *patFile))
		os.Exit(*exit)
	}

	if *stderr != "" {
		fmt.Fprintln(os.Stderr, *stderr)
	}
	if *sleep > 0 {
		if *child {
			cmd := exec.Command(os.Args[0], "-sleep", sleep.String(), "-cat", "/dev/null")
			cmd.Stdout = os.Stdout // keeps the pipe open while it lives
			if err := cmd.Start(); err != nil {
				panic(err)
			}
		}
		time.Sleep(*sleep)
	}
	switch {
	case *cat != "":
		data, err := os.ReadFile(*cat)
		if err != nil {
			panic(err)
		}
		os.Stdout.Write(data)
	case *garbage:
		fmt.Println("this is not SARIF")
	case *spam > 0:
		os.Stdout.Write([]byte(strings.Repeat("x", *spam)))
	case *fileURIs:
		cwd, _ := os.Getwd()
		var results []any
		for _, arg := range flag.Args() {
			results = append(results, result("abs", "file://"+filepath.ToSlash(filepath.Join(cwd, arg)), "seen "+arg, 1))
		}
		emit(results)
	case *pwd != "":
		cwd, _ := os.Getwd()
		emit([]any{result("pwd", *pwd, cwd, 1)})
	case *env != "":
		var results []any
		for _, kv := range os.Environ() {
			results = append(results, result("env", *env, kv, 1))
		}
		emit(results)
	}
	os.Exit(*exit)
}

func result(rule, uri, msg string, line int) any {
	return map[string]any{
		"ruleId":  rule,
		"level":   "warning",
		"message": map[string]any{"text": msg},
		"locations": []any{map[string]any{"physicalLocation": map[string]any{
			"artifactLocation": map[string]any{"uri": uri},
			"region":           map[string]any{"startLine": line},
		}}},
	}
}

func emit(results []any) {
	if results == nil {
		results = []any{}
	}
	log := map[string]any{
		"version": "2.1.0",
		"runs":    []any{map[string]any{"tool": map[string]any{"driver": map[string]any{"name": "faketool"}}, "results": results}},
	}
	if err := json.NewEncoder(os.Stdout).Encode(log); err != nil {
		panic(err)
	}
}
