package app

import (
	"errors"
	"fmt"

	"github.com/azreviewer/azreviewer/internal/ingest"
	"github.com/azreviewer/azreviewer/internal/worker"
)

// nameSettings rewrites each error joined in err that setting recognises
// as a mistake in the setting of a flag into "--flag / VARIABLE: reason",
// so the operator reads what to set. Others pass through others, if any,
// and are kept otherwise.
func nameSettings(err error, setting func(error) (flag, prefix, reason string), others ...func(error) error) error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		f, prefix, reason := setting(e)
		if f == "" {
			for _, other := range others {
				e = other(e)
			}
			out = append(out, e)
			continue
		}
		out = append(out, &namedSettingError{prefix: prefix, flag: f, reason: reason, err: e})
	}
	return errors.Join(out...)
}

// namedSettingError is a library's setting mistake named as the operator
// sets the setting.
type namedSettingError struct {
	prefix, flag, reason string
	err                  error
}

func (e *namedSettingError) Error() string {
	return fmt.Sprintf("%s--%s / %s: %s", e.prefix, e.flag, EnvName(e.flag), e.reason)
}

func (e *namedSettingError) Unwrap() error { return e.err }

// workerFlag is the flag an operator sets for a worker.Config field.
func workerFlag(setting string) string {
	switch setting {
	case "OrgURL":
		return "azdo-org-url"
	case "BlockingSeverity":
		return "blocking-severity"
	case "ReviewTimeout":
		return "review-timeout"
	case "MaxFiles":
		return "max-files"
	case "MaxThreads":
		return "max-threads"
	case "CommentAllowedHosts":
		return "comment-allowed-hosts"
	case "CommandLimit":
		return "llm-command-limit"
	case "CommandWindow":
		return "llm-command-window"
	case "LLMBudgetWindow":
		return "llm-budget-window"
	}
	return ""
}

// nameWorkerSettings names the flag and variable of each
// *worker.SettingError joined in err.
func nameWorkerSettings(err error) error {
	return nameSettings(err, func(e error) (flag, prefix, reason string) {
		var se *worker.SettingError
		if !errors.As(e, &se) {
			return "", "", ""
		}
		return workerFlag(se.Setting), "", se.Reason
	})
}

// ingestFlag is the flag an operator sets for an ingest.Config field.
func ingestFlag(setting string) string {
	switch setting {
	case "BasicUser":
		return "webhook-basic-user"
	case "BasicPassword":
		return "webhook-basic-password"
	case "MaxInFlightBytes":
		return "ingest-max-in-flight-bytes"
	case "BodyTimeout":
		return "ingest-body-timeout"
	}
	return ""
}

// nameIngestSettings names the flag and variable of each
// *ingest.SettingError joined in err, and what ingest.ErrNoAuthentication
// asks an operator to set.
func nameIngestSettings(err error) error {
	return nameSettings(err, func(e error) (flag, prefix, reason string) {
		var se *ingest.SettingError
		if !errors.As(e, &se) {
			return "", "", ""
		}
		return ingestFlag(se.Setting), "", se.Reason
	}, func(e error) error {
		if errors.Is(e, ingest.ErrNoAuthentication) {
			return fmt.Errorf("%w: set WEBHOOK_BASIC_USER and WEBHOOK_BASIC_PASSWORD and/or WEBHOOK_TOKEN, or pass --insecure-no-auth to accept unauthenticated deliveries", e)
		}
		return e
	})
}
