package servicehooks_test

import (
	"errors"
	"testing"

	"github.com/azreviewer/azreviewer/internal/fuzztest"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// FuzzParseEnvelope: any body either parses or fails with a
// *PayloadError; nothing panics.
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
		if env.EventType == "" || env.ID == "" || len(env.Resource) == 0 {
			t.Fatalf("parsed an envelope without its required fields: %+v", env)
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
