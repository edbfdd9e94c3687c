package servicehooks_test

import (
	"errors"
	"testing"

	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// FuzzParseEnvelope: any body either parses or fails with a
// *PayloadError, and so does each view of a parsed envelope's resource;
// nothing panics.
func FuzzParseEnvelope(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := servicehooks.ParseEnvelope(body)
		if err != nil {
			var pe *servicehooks.PayloadError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *PayloadError: %T %v", err, err)
			}
			return
		}
		if env.EventType == "" || env.ID == "" {
			t.Fatalf("parsed an envelope without its required fields: %+v", env)
		}
		// Either view of the resource is there or refused with a
		// *PayloadError.
		for _, view := range []func() error{
			func() error { _, err := env.PullRequest(); return err },
			func() error { _, err := env.Comment(); return err },
		} {
			var pe *servicehooks.PayloadError
			if err := view(); err != nil && !errors.As(err, &pe) {
				t.Fatalf("view error is not a *PayloadError: %T %v", err, err)
			}
		}
	})
}

// fuzzSeeds adds every sample payload in testdata and a few hand-made
// shapes (testdata/shapes) to the corpus.
func fuzzSeeds(f *testing.F) {
	f.Helper()
	fuzztest.AddFiles(f, "testdata/*.json")
	fuzztest.AddFiles(f, "testdata/shapes/*.json")
}
