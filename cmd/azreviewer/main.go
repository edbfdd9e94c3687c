// Command azreviewer runs everything in one process: an embedded NATS
// JetStream server, the webhook receiver and a worker. With --demo it also
// starts the built-in Azure DevOps simulator, sends it a sample pull
// request's webhook, prints the review and exits.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/app/allinone"
)

func main() { os.Exit(run()) }

// run is main with its deferred calls done before the process exits.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.Exit(allinone.Main(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr)
}
