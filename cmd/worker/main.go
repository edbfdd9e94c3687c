// Command worker consumes review requests from NATS JetStream, reviews the
// pull requests and posts comment threads to Azure DevOps. Configuration:
// flags or the matching environment variables (see the README).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/azreviewer/azreviewer/internal/app"
)

func main() { os.Exit(run()) }

// run is main with its deferred calls done before the process exits.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Exit(app.WorkerMain(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
}
