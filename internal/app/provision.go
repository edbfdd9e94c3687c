package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/azreviewer/azreviewer/internal/telemetry"
)

// provisionPatience bounds how long "worker provision" waits for JetStream
// to accept the resources (a cluster still electing its leader or joining
// its peers), so a provisioning Job or one-shot service fails instead of
// hanging.
const provisionPatience = 2 * time.Minute

// ProvisionMain is "worker provision" (and "azreviewer provision"): it
// creates or updates the fleet's review stream, consumer, dead-letter
// stream and buckets from the shared configuration (FLEET_NAME, STREAM_*,
// ACK_WAIT, MAX_DELIVER, DUPLICATE_WINDOW, DEAD_LETTER_*, LEASE_TTL) and
// prints what it created, changed or left as it was. It is the only
// command of the fleet's processes that changes them; name is the command
// as --help shows it.
func ProvisionMain(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := RegisterCommon(fs)
	c.RegisterNATS(fs)
	if err := ParseFlagsOnly(fs, args); err != nil {
		return err
	}
	p, err := StartProcess(ctx, c, "azreviewer-provision", telemetry.Options{})
	if err != nil {
		return err
	}
	defer p.Close()
	if err := c.Validate(); err != nil {
		return err
	}
	nc, err := Connect(c, "azreviewer-provision", p.Log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("open JetStream: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, provisionPatience)
	defer cancel()
	changes, err := ProvisionFleet(ctx, js, c, p.Log)
	for _, ch := range changes {
		fmt.Fprintf(stdout, "fleet %s: %s\n", c.Stream.Fleet, ch)
	}
	return err
}
