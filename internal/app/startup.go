package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

// secretFlag reports whether the flag name holds a secret: its name ends
// as azdo-pat, webhook-token, webhook-basic-password, llm-api-key and
// azure-openai-api-key do.
func secretFlag(name string) bool {
	for _, s := range []string{"-pat", "-password", "-token", "-api-key", "-secret"} {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// LogStartup logs the one start-up line of a process: its build and the
// effective value of every flag of fs, named as its environment variable
// is (lower case). A secret is logged only as "set" or "" (not set), and a
// URL's credentials as "redacted".
func LogStartup(ctx context.Context, log *slog.Logger, process string, fs *flag.FlagSet) {
	var attrs []any
	fs.VisitAll(func(f *flag.Flag) {
		v := f.Value.String()
		switch {
		case secretFlag(f.Name) && v != "":
			v = "set"
		case strings.Contains(v, "://"):
			v = redact(v)
		}
		attrs = append(attrs, slog.String(strings.ReplaceAll(f.Name, "-", "_"), v))
	})
	log.InfoContext(ctx, "starting", "process", process, "build", ReadBuildInfo().String(), slog.Group("config", attrs...))
}

// Validate checks the settings of the NATS connection that can be checked
// without connecting: the credentials file must be readable.
func (c *Common) Validate() error {
	if err := c.ValidateTimings(); err != nil {
		return err
	}
	if c.NATSCreds == "" {
		return nil
	}
	f, err := os.Open(c.NATSCreds)
	if err != nil {
		return fmt.Errorf("%w: NATS_CREDS: %w", ErrUsage, err)
	}
	return f.Close()
}

// Validate checks the ingest settings, as the handler will, before
// anything connects: a mistake is [ErrUsage] naming what to set.
func (c *Ingest) Validate() error {
	err := nameIngestSettings(c.handlerConfig(nil).Validate())
	if _, oerr := c.organisationList(); oerr != nil {
		err = errors.Join(err, oerr)
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		err = errors.Join(err, fmt.Errorf("METRICS_ADDR %q is INGEST_ADDR: leave it empty to serve /metrics there, or give it a listener of its own", c.MetricsAddr))
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	return nil
}
