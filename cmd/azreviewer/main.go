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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(app.Exit(allinone.Main(ctx, os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}
