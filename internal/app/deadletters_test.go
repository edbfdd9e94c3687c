package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/app"
	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/events/eventstest"
	"github.com/azreviewer/azreviewer/internal/events/middleware"
	"github.com/azreviewer/azreviewer/internal/streams"
)

// quietLog discards the logs.
var quietLog = slog.New(slog.DiscardHandler)

// deadLetters fills a server's dead-letter stream with one dead letter per
// class, for pull requests 1, 2, … (in the order the consumer handles them,
// several at once).
func deadLetters(t *testing.T, classes ...string) *eventstest.Bundle {
	t.Helper()
	b := eventstest.Start(t, streams.Config{Memory: true})
	ctx := context.Background()
	for i := range classes {
		_, err := events.NewPublisher(b.JS, streams.Config{}.Fleet).Publish(ctx, eventstest.Request(i+1, "c"))
		require.NoError(t, err)
	}
	poison, err := middleware.PoisonQueue(deadletter.NewPublisher(b.JS, streams.Config{}.Fleet), 10, quietLog)
	require.NoError(t, err)
	// Consumed until every one is stored: a copy that fails is redelivered
	// (after 50 ms) and copied again.
	stored := make(chan struct{})
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			if info, err := b.DeadLetters.Info(ctx); err == nil && info.State.Msgs >= uint64(len(classes)) {
				close(stored)
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	b.ConsumeUntil(t, events.ConsumeConfig{Logger: quietLog, Backoff: func(uint64) time.Duration { return 50 * time.Millisecond }},
		stored, middleware.Chain(func(_ context.Context, msg jetstream.Msg) error {
			req, err := events.UnmarshalRequest(msg.Data())
			if err != nil {
				return events.Permanent(err)
			}
			class := classes[req.PullRequestID-1]
			return events.Permanent(eventstest.Failure{Message: class + " failure", Kind: class, Fix: "fix the " + class})
		}, poison))
	eventstest.WaitMessages(t, b.DeadLetters, uint64(len(classes)))
	return b
}

func runDeadLetters(b *eventstest.Bundle, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	args = append(args, "--nats-url", b.Server.ClientURL(), "--log-level", "error")
	err := app.DeadLettersMain(context.Background(), args, &out, &errOut)
	return out.String(), err
}

func TestDeadLettersListFiltersAndJSON(t *testing.T) {
	t.Parallel()
	b := deadLetters(t, "forbidden", "not_found", "forbidden")

	out, err := runDeadLetters(b, "list", "--json", "--type", "forbidden")
	require.NoError(t, err)
	var got []struct {
		Seq         uint64 `json:"seq"`
		ErrorType   string `json:"error_type"`
		Diagnosis   string `json:"diagnosis"`
		PullRequest struct {
			ID int `json:"id"`
		} `json:"pull_request"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got, 2)
	var ids []int // in the order the consumer dead-lettered them
	for _, g := range got {
		require.Equal(t, "forbidden", g.ErrorType)
		require.Equal(t, "fix the forbidden", g.Diagnosis)
		ids = append(ids, g.PullRequest.ID)
	}
	require.ElementsMatch(t, []int{1, 3}, ids)

	out, err = runDeadLetters(b, "list", "--older-than", "1h")
	require.NoError(t, err)
	require.Equal(t, "no dead letters\n", out, "every one is newer than an hour")
	out, err = runDeadLetters(b, "list", "--newer-than", "1h", "--type", "not_found,missing_scope")
	require.NoError(t, err)
	require.Contains(t, out, "not_found")
	require.NotContains(t, out, "forbidden")
}

func TestDeadLettersReplayByFilter(t *testing.T) {
	t.Parallel()
	b := deadLetters(t, "forbidden", "not_found", "forbidden")
	before, err := deadletter.List(context.Background(), b.JS, streams.Config{}.Fleet, 10)
	require.NoError(t, err)
	var forbiddenSeq uint64 // one the filter replays (the order of dead letters is the consumer's)
	for _, d := range before {
		if d.ErrorType == "forbidden" {
			forbiddenSeq = d.Seq
		}
	}
	require.NotZero(t, forbiddenSeq)

	out, err := runDeadLetters(b, "replay", "--all", "--type", "forbidden", "--dry-run")
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(out, "would be replayed"), out)
	eventstest.WaitMessages(t, b.DeadLetters, 3) // nothing replayed

	out, err = runDeadLetters(b, "replay", "--all", "--type", "forbidden")
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(out, "replayed as review request"), out)
	eventstest.WaitMessages(t, b.DeadLetters, 1)
	eventstest.WaitMessages(t, b.Stream, 2)

	// Replaying one already replayed says so, in words.
	list, err := deadletter.List(context.Background(), b.JS, streams.Config{}.Fleet, 10)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, "not_found", list[0].ErrorType)
	_, err = runDeadLetters(b, "replay", strconv.FormatUint(forbiddenSeq, 10))
	var nf *deadletter.NotFoundError
	require.ErrorAs(t, err, &nf)
	require.Contains(t, err.Error(), "replayed already")
	require.NotContains(t, err.Error(), "code=")
}

func TestDeadLettersCommandLine(t *testing.T) {
	t.Setenv("TYPE", "forbidden") // not an answer to --type
	t.Setenv("LIMIT", "0")        // nor to --limit
	tests := []struct {
		name string
		args []string
		want string // in the usage error
	}{
		{"no verb", nil, "dead-letters list"},
		{"filters without --all", []string{"replay", "--type", "forbidden"}, "only with --all"},
		{"sequences and --all", []string{"replay", "--all", "3"}, "not both"},
		{"nothing to replay", []string{"replay"}, "by sequence"},
		{"bad sequence", []string{"replay", "x"}, `"x" is not a dead-letter sequence`},
		{"list takes no sequence", []string{"list", "3"}, "flags only"},
		{"--json is list's", []string{"replay", "--json", "3"}, "flag provided but not defined"},
		{"negative age", []string{"list", "--older-than", "-1h"}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := app.DeadLettersMain(context.Background(), tt.args, &out, &errOut)
			require.ErrorIs(t, err, app.ErrUsage)
			require.Contains(t, err.Error(), tt.want)
		})
	}

	// --help lists this command's flags, and no stream or worker setting.
	var out, help bytes.Buffer
	err := app.DeadLettersMain(context.Background(), []string{"list", "--help"}, &out, &help)
	require.True(t, errors.Is(err, flag.ErrHelp), "%v", err)
	for _, want := range []string{"--json", "--type", "--older-than", "--nats-url string  [NATS_URL]", "--limit"} {
		require.Contains(t, help.String(), want)
	}
	for _, not := range []string{"--stream-replicas", "--ack-wait", "--lease-ttl", "[TYPE]", "[LIMIT]", "--dry-run"} {
		require.NotContains(t, help.String(), not)
	}
}
