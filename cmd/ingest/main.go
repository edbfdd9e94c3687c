// Command ingest receives Azure DevOps service-hook webhooks and publishes
// review requests to NATS JetStream. Configuration: flags or the matching
// environment variables (see the README).
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
	return app.Exit(app.IngestMain(ctx, os.Args[1:], os.Stderr), os.Stderr)
}
