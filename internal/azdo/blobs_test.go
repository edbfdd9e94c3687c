package azdo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// Operations of the file reads.
const (
	opBlobsZip = "git.blobs.zip"
	opGetItem  = "git.items.get"
)

// blobsMaxFileBytes is the MaxFileBytes of the bulk read tests: big.txt is
// larger.
const blobsMaxFileBytes = 64

// blobsBase and blobsHead are the commits of the bulk read tests.
var (
	blobsBase = map[string]string{
		"/edit.txt":   "one\ntwo\n",
		"/gone.txt":   "removed\n",
		"/big.txt":    strings.Repeat("b", 100),
		"/stays.txt":  "unchanged\n",
		"/same-a.txt": "twin\n",
	}
	blobsHead = map[string]string{
		"/edit.txt":   "one\ntwo\nthree\n",
		"/new.txt":    "added\n",
		"/big.txt":    strings.Repeat("B", 200),
		"/stays.txt":  "unchanged\n",
		"/same-a.txt": "twin\n",
		"/same-b.txt": "twin\n", // the same blob as same-a.txt: asked for once
	}
)

// blobsGroups are the groups a full review of blobsPR reads: each file's
// base and head version by blob id, a group per file, and a version
// without id read by path.
func blobsGroups(base, head string) [][]azdo.FileVersion {
	v := func(path, commit, content string) azdo.FileVersion {
		return azdo.FileVersion{ObjectID: azdotest.BlobID(content), Path: path, Commit: commit}
	}
	return [][]azdo.FileVersion{
		{v("/edit.txt", base, blobsBase["/edit.txt"]), v("/edit.txt", head, blobsHead["/edit.txt"])},
		{v("/gone.txt", base, blobsBase["/gone.txt"])},
		{v("/new.txt", head, blobsHead["/new.txt"])},
		{v("/big.txt", base, blobsBase["/big.txt"]), v("/big.txt", head, blobsHead["/big.txt"])},
		{v("/same-a.txt", head, "twin\n"), v("/same-b.txt", head, "twin\n")},
		{{Path: "/stays.txt", Commit: head}, {Path: "/nowhere.txt", Commit: head}},
	}
}

// blobsWant is what ReadFiles answers for blobsGroups, whichever way it
// reads them: big.txt cut at MaxFileBytes+1, nowhere.txt not found.
func blobsWant() [][]azdo.FileContent {
	c := func(s string) azdo.FileContent {
		if len(s) > blobsMaxFileBytes+1 {
			s = s[:blobsMaxFileBytes+1]
		}
		return azdo.FileContent{Content: []byte(s), Found: true}
	}
	return [][]azdo.FileContent{
		{c(blobsBase["/edit.txt"]), c(blobsHead["/edit.txt"])},
		{c(blobsBase["/gone.txt"])},
		{c(blobsHead["/new.txt"])},
		{c(blobsBase["/big.txt"]), c(blobsHead["/big.txt"])},
		{c("twin\n"), c("twin\n")},
		{c("unchanged\n"), {}},
	}
}

// TestReadFilesInBulk: ReadFiles answers the same contents whether the
// blobs come in one zip, in several, or one by one by path — whatever the
// zip's entries are named, when entries are missing, when the bulk request
// fails or its zip is over the bound — and costs one bulk call per batch
// where the bulk read works; each fallback is on the span and counted.
func TestReadFilesInBulk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   azdo.Config
		fault func(s *azdosim.Server)
		// mw, if set, stands between the client and the simulator.
		mw func(http.Handler) http.Handler
		// wantZips and wantItems count the bulk and the per-item reads;
		// wantFallback the versions read by path for want reason.
		wantZips, wantItems int
		reason              string
		wantFallback        int
	}{
		{name: "one zip", wantZips: 1, wantItems: 2},
		{name: "entries in a folder with an extension", wantZips: 1, wantItems: 2,
			fault: func(s *azdosim.Server) {
				s.SetBlobsZipFault(azdosim.BlobsZipFault{EntryName: func(id string) string { return "blobs/" + id + ".blob" }})
			}},
		{name: "entries named otherwise are told by their content", wantZips: 1, wantItems: 2 + 2, reason: "missing", wantFallback: 2,
			fault: func(s *azdosim.Server) {
				// big.txt's versions are over MaxFileBytes: their content
				// is not hashed, and they are read by path.
				s.SetBlobsZipFault(azdosim.BlobsZipFault{EntryName: func(id string) string { return "file-" + id[:7] }})
			}},
		{name: "entries stored uncompressed", wantZips: 1, wantItems: 2,
			fault: func(s *azdosim.Server) { s.SetBlobsZipFault(azdosim.BlobsZipFault{Store: true}) }},
		{name: "missing entries are read by path", wantZips: 1, wantItems: 2 + 4, reason: "missing", wantFallback: 4,
			// The 1st, 4th and 7th of the 7 blobs: edit.txt's base, new.txt
			// and the twin, which two versions name.
			fault: func(s *azdosim.Server) { s.SetBlobsZipFault(azdosim.BlobsZipFault{Omit: 3}) }},
		{name: "a failed bulk read is resent, as a read", wantZips: 2, wantItems: 2,
			fault: func(s *azdosim.Server) { s.FailRequests(opBlobsZip, 1, http.StatusServiceUnavailable, 0) }},
		{name: "a bulk read that keeps failing is read by path", cfg: azdo.Config{MaxRetries: 1}, wantZips: 2, wantItems: 2 + 8, reason: "failed", wantFallback: 8,
			fault: func(s *azdosim.Server) { s.FailRequests(opBlobsZip, 2, http.StatusServiceUnavailable, 0) }},
		{name: "a front door's error page is read by path", cfg: azdo.Config{MaxRetries: -1}, wantZips: 1, wantItems: 2 + 8, reason: "failed", wantFallback: 8,
			fault: func(s *azdosim.Server) { s.FailRequestsWithPage(opBlobsZip, 1, http.StatusBadGateway) }},
		{name: "an internal error is read by path", wantZips: 1, wantItems: 2 + 8, reason: "failed", wantFallback: 8,
			fault: func(s *azdosim.Server) { s.FailRequests(opBlobsZip, 1, http.StatusInternalServerError, 0) }},
		{name: "an answer that is no zip is read by path", wantZips: 1, wantItems: 2 + 8, reason: "failed", wantFallback: 8,
			mw: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/blobs") {
						next.ServeHTTP(w, r)
						return
					}
					next.ServeHTTP(httptest.NewRecorder(), r) // logged, answer dropped
					w.Header().Set("Content-Type", "application/zip")
					_, _ = w.Write([]byte("PK\x03\x04 not really a zip"))
				})
			}},
		{name: "batches of at most BlobBatchFiles ids", cfg: azdo.Config{BlobBatchFiles: 2}, wantZips: 4, wantItems: 2},
		{name: "a zip over the bound is split down to one group, then read by path", cfg: azdo.Config{BlobBatchBytes: 1},
			// 6 groups halved down to single groups: 10 requests (a
			// batch without blob ids, the last group, makes none).
			wantZips: 10, wantItems: 2 + 8, reason: "too_large", wantFallback: 8},
		{name: "bulk reads off", cfg: azdo.Config{BlobBatchFiles: -1}, wantZips: 0, wantItems: 2 + 8, reason: "off", wantFallback: 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := prometheus.NewRegistry()
			cfg := tt.cfg
			cfg.MaxFileBytes, cfg.Metrics, cfg.RetryBaseDelay, cfg.RequestsPerSecond = blobsMaxFileBytes, azdo.NewMetrics(reg), time.Millisecond, -1
			f := newFixture(t, cfg, tt.mw)
			base, head := f.sim.Repo.Commit(blobsBase), f.sim.Repo.Commit(blobsHead)
			if tt.fault != nil {
				tt.fault(f.sim.Server)
			}
			zips, items := f.sim.Server.Count(opBlobsZip), f.sim.Server.Count(opGetItem)

			rec := tracetest.NewSpanRecorder()
			ctx, span := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test").Start(context.Background(), "read files")
			groups := blobsGroups(base, head)
			got := make([][]azdo.FileContent, len(groups))
			var mu sync.Mutex
			calls := 0
			err := f.client.ReadFiles(ctx, f.ref, groups, 3, func(g int, files []azdo.FileContent) error {
				mu.Lock()
				defer mu.Unlock()
				calls++
				got[g] = files
				return nil
			})
			span.End()
			require.NoError(t, err)
			require.Equal(t, len(groups), calls, "one call per group")
			require.Equal(t, blobsWant(), got)
			require.Equal(t, tt.wantZips, f.sim.Server.Count(opBlobsZip)-zips, "bulk reads")
			require.Equal(t, tt.wantItems, f.sim.Server.Count(opGetItem)-items, "reads by path")

			m := series(t, reg, "azreviewer_azdo_blob_fallbacks_total", map[string]string{"reason": tt.reason})
			events := 0
			for _, s := range rec.Ended() {
				for _, e := range s.Events() {
					if e.Name == "azdo.blobs.fallback" {
						events++
					}
				}
			}
			if tt.wantFallback == 0 {
				require.Nil(t, series(t, reg, "azreviewer_azdo_blob_fallbacks_total", nil), "no fallback")
				require.Zero(t, events, "no fallback on the span")
				return
			}
			require.NotNil(t, m, "fallbacks counted by reason %s", tt.reason)
			require.Equal(t, float64(tt.wantFallback), m.GetCounter().GetValue())
			require.NotZero(t, events, "the fallback is on the span")
		})
	}
}

// TestReadFilesCallbackError: the callback's error ends the read and is
// returned.
func TestReadFilesCallbackError(t *testing.T) {
	t.Parallel()
	f := newFixture(t, azdo.Config{MaxFileBytes: blobsMaxFileBytes}, nil)
	groups := blobsGroups(f.sim.Repo.Commit(blobsBase), f.sim.Repo.Commit(blobsHead))
	stop := context.Canceled
	err := f.client.ReadFiles(context.Background(), f.ref, groups, 1, func(int, []azdo.FileContent) error { return stop })
	require.ErrorIs(t, err, stop)
}

// TestReadFilesInParallel: groups are read and handed over up to parallel
// at once, by path too (bulk reads off): the callbacks of the first three
// groups all run before any returns.
func TestReadFilesInParallel(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{0, -1} {
		t.Run(fmt.Sprintf("BlobBatchFiles=%d", batch), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, azdo.Config{MaxFileBytes: blobsMaxFileBytes, BlobBatchFiles: batch}, nil)
			groups := blobsGroups(f.sim.Repo.Commit(blobsBase), f.sim.Repo.Commit(blobsHead))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a guard, not a measure
			defer cancel()
			const parallel = 3
			var arrived sync.WaitGroup
			arrived.Add(parallel)
			all := make(chan struct{})
			go func() { arrived.Wait(); close(all) }()
			var once sync.Mutex
			n := 0
			err := f.client.ReadFiles(ctx, f.ref, groups, parallel, func(int, []azdo.FileContent) error {
				once.Lock()
				n++
				first := n <= parallel
				once.Unlock()
				if !first {
					return nil
				}
				arrived.Done()
				select {
				case <-all:
					return nil
				case <-ctx.Done():
					return fmt.Errorf("the first %d groups were not handed over at once: %w", parallel, ctx.Err())
				}
			})
			require.NoError(t, err)
		})
	}
}

// TestReadFilesDoesNotMultiplyRefusals: a bulk read refused for
// throttling or for the credentials fails the call, with the bulk read's
// error, instead of being read once per version by path.
func TestReadFilesDoesNotMultiplyRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		wantKind azdo.Kind
	}{
		{"throttled", http.StatusTooManyRequests, azdo.KindRateLimited},
		{"unauthorized", http.StatusUnauthorized, azdo.KindUnauthorized},
		{"forbidden", http.StatusForbidden, azdo.KindForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			refuse := &fault{method: http.MethodPost, path: "/blobs", answers: []int{tt.status}}
			f := newFixture(t, azdo.Config{MaxFileBytes: blobsMaxFileBytes, MaxRetries: -1}, refuse.handler)
			refuse.arm()
			items := f.sim.Server.Count(opGetItem)
			groups := blobsGroups(f.sim.Repo.Commit(blobsBase), f.sim.Repo.Commit(blobsHead))
			err := f.client.ReadFiles(context.Background(), f.ref, groups[:5], 2, func(int, []azdo.FileContent) error { return nil })
			e, ok := azdo.AsError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tt.wantKind, e.Kind)
			require.Equal(t, 1, refuse.count())
			require.Equal(t, items, f.sim.Server.Count(opGetItem), "no read by path")
		})
	}
}
