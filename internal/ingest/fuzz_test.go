package ingest

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/azreviewer/azreviewer/internal/coordination"
	"github.com/azreviewer/azreviewer/internal/events"
	"github.com/azreviewer/azreviewer/internal/fleet"
	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// kvKey is nats.go's rule for a key-value key (jetstream/kv.go keyValid).
var kvKey = regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`)

// FuzzDecide: whatever the body, Decide does not panic, refuses with a
// *PayloadError, or returns a review request that every later stage can
// use as it is: its subject is four valid tokens under the stream's filter,
// its coordination key is a valid key-value key, its de-duplication id is
// one header line, its comment is capped, and it survives encoding and the
// worker's decoding. A request that passes here cannot fail later for its
// shape (hole: ids accepted at the door, unusable later).
func FuzzDecide(f *testing.F) {
	fuzztest.AddFiles(f, "../servicehooks/testdata/*.json")
	fuzztest.AddFiles(f, "../servicehooks/testdata/shapes/*.json")
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := servicehooks.ParseEnvelope(body)
		if err != nil {
			return
		}
		d, err := decideEnvelope(env, now)
		if err != nil {
			var pe *servicehooks.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *PayloadError: %T %v", err, err)
			}
			return
		}
		if (d.Request == nil) == (d.Ignored == "") {
			t.Fatalf("a decision is a request or a reason to ignore, not both or neither: %+v", d)
		}
		req := d.Request
		if req == nil {
			return
		}
		if err := req.Validate(); err != nil {
			t.Fatalf("decided request does not validate: %v", err)
		}

		subject := req.Subject(fleet.Names{})
		tokens := strings.Split(subject, ".")
		if len(tokens) != 4 || !strings.HasPrefix(subject, fleet.Names{}.ReviewSubjectPrefix()) || tokens[3] != strconv.Itoa(req.PullRequestID) {
			t.Fatalf("subject %q is not %s<repository>.<pull request>", subject, fleet.Names{}.ReviewSubjectPrefix())
		}
		for _, tok := range tokens {
			if tok == "" || strings.ContainsAny(tok, " \t\r\n*>") || !utf8.ValidString(tok) {
				t.Fatalf("subject %q has an invalid token %q", subject, tok)
			}
		}

		key := coordination.Key(req.RepositoryID, req.PullRequestID)
		if !kvKey.MatchString(key) || strings.HasPrefix(key, ".") || strings.HasSuffix(key, ".") || strings.Contains(key, "..") {
			t.Fatalf("coordination key %q is not a valid key-value key", key)
		}

		if id := req.MsgID(); strings.ContainsAny(id, "\r\n") || len(id) > 512 {
			t.Fatalf("de-duplication id %q is not one bounded header line", id)
		}

		if c := req.Comment; c != nil {
			if len(c.Content) > events.MaxCommentBytes || !utf8.ValidString(c.Content) {
				t.Fatalf("comment of %d bytes is over the cap or not UTF-8", len(c.Content))
			}
		}

		data, err := req.Marshal()
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := events.UnmarshalRequest(data)
		if err != nil {
			t.Fatalf("the worker cannot decode the request: %v", err)
		}
		if back.Subject(fleet.Names{}) != subject || coordination.Key(back.RepositoryID, back.PullRequestID) != key {
			t.Fatalf("round trip changed the request: %+v", back)
		}
	})
}
