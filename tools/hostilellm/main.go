// Command hostilellm serves, on 127.0.0.1, an OpenAI-compatible Chat
// Completions endpoint that answers as a prompt-injected model would:
// findings whose messages carry mentions (@<…>), images, raw HTML,
// javascript: links, headers, fences and tables, one message of 300,000
// characters, and 300 findings per answer (llmtest.Hostile). Point the demo
// at it to see what azreviewer posts:
//
//	go run ./tools/hostilellm -addr 127.0.0.1:8089 &
//	LLM_BASE_URL=http://127.0.0.1:8089/v1 LLM_MODEL=hostile LLM_API_KEY=unused go run ./cmd/azreviewer --demo
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/azreviewer/azreviewer/internal/llmreview/llmtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8089", "listen address (loopback)")
	findings := flag.Int("findings", 300, "findings per answer")
	long := flag.Int("long", 300_000, "characters of the long message")
	flag.Parse()
	if err := run(*addr, *findings, *long); err != nil {
		fmt.Fprintln(os.Stderr, "hostilellm:", err)
		os.Exit(1)
	}
}

func run(addr string, findings, long int) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("listen on a loopback address, e.g. 127.0.0.1:8089")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("LLM_BASE_URL=http://%s/v1 LLM_MODEL=hostile LLM_API_KEY=unused\n", ln.Addr())
	srv := &http.Server{Handler: llmtest.Hostile(findings, long), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}
