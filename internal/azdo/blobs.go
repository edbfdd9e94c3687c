package azdo

import (
	"archive/zip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/sourcegraph/conc/pool"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Defaults of a bulk read (see Config.BlobBatchFiles and BlobBatchBytes).
const (
	defaultBlobBatchFiles = 1000
	defaultBlobBatchBytes = 16 << 20
)

// FileVersion names one version of a file: its blob id, and where it is,
// for the read by path when the blob cannot be read in bulk.
type FileVersion struct {
	// ObjectID is the blob's id (its SHA-1, as iteration changes name it);
	// "" reads the version by Path and Commit only.
	ObjectID string
	// Path and Commit locate the version, as for [Client.FileAt].
	Path, Commit string
}

// FileContent is a version as read: Found is false when it is not there,
// and Content holds at most MaxFileBytes+1 bytes, so that a caller can tell
// a file that is too large (as [Client.FileAt]).
type FileContent struct {
	Content []byte
	Found   bool
}

// Reasons a bulk read fell back to reading versions one by one, the
// values of the span events' azdo.blobs.fallback attribute and of the
// fallback metric's reason label.
const (
	// fallbackFailed: the bulk request failed (an error answer, not a zip).
	fallbackFailed = "failed"
	// fallbackTooLarge: one group's zip was larger than BlobBatchBytes.
	fallbackTooLarge = "too_large"
	// fallbackMissing: the zip lacked the blob, or its entry was unreadable.
	fallbackMissing = "missing"
	// fallbackOff: bulk reads are off (BlobBatchFiles negative).
	fallbackOff = "off"
)

// errZipTooLarge is a bulk answer over BlobBatchBytes.
var errZipTooLarge = errors.New("the zip is larger than the bulk read's bound")

// ReadFiles reads groups of file versions and calls fn once per group
// with the contents of its versions, in their order. A group is the unit
// the caller needs at once (a file's base and head version); fn is called
// for up to parallel groups at once (at least one), from different
// goroutines and in any order, and the contents are the caller's. fn's
// error ends the read and is returned.
//
// Versions with a blob id are read in bulk: one POST of up to
// BlobBatchFiles blob ids per batch of whole groups, answered with a zip
// of at most BlobBatchBytes, each entry read to at most MaxFileBytes+1
// bytes; the POST is resent as a GET would be. Versions without a blob id
// are read by path and commit, as FileAt reads them. Where the bulk read
// fails — the server fails or lacks the route, the answer is no zip, the
// zip is too large even for one group, or an entry is missing — the
// versions concerned are read by path too; the span of ctx gets an event
// "azdo.blobs.fallback" saying why, and the metric
// azreviewer_azdo_blob_fallbacks_total counts them. A bulk read refused
// for throttling, credentials or permissions fails the call instead: a
// read per version would be refused the same way, and multiply the calls.
func (c *Client) ReadFiles(ctx context.Context, ref PullRequestRef, groups [][]FileVersion, parallel int, fn func(group int, files []FileContent) error) error {
	r := &filesRead{c: c, ref: ref, groups: groups, parallel: max(parallel, 1), fn: fn}
	for _, batch := range c.batches(groups) {
		if err := r.batch(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// batches splits the groups, in order, into batches of at most batchFiles
// blob ids; a group is never split, and one with more ids is a batch of
// its own. With bulk reads off, all groups are one batch (read by path).
func (c *Client) batches(groups [][]FileVersion) [][]int {
	if c.batchFiles == 0 && len(groups) > 0 {
		all := make([]int, len(groups))
		for i := range all {
			all[i] = i
		}
		return [][]int{all}
	}
	var out [][]int
	var cur []int
	n := 0
	for i, g := range groups {
		ids := 0
		for _, v := range g {
			if v.ObjectID != "" {
				ids++
			}
		}
		if len(cur) > 0 && n+ids > c.batchFiles {
			out = append(out, cur)
			cur, n = nil, 0
		}
		cur = append(cur, i)
		n += ids
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// filesRead is one ReadFiles call.
type filesRead struct {
	c        *Client
	ref      PullRequestRef
	groups   [][]FileVersion
	parallel int
	fn       func(int, []FileContent) error
}

// batch reads the groups of one batch: their blobs in one bulk request,
// the rest (and all of them if that fails) one by one.
func (r *filesRead) batch(ctx context.Context, batch []int) error {
	c, groups := r.c, r.groups
	var ids []string
	versions := 0 // with a blob id
	seen := map[string]bool{}
	for _, g := range batch {
		for _, v := range groups[g] {
			if id := strings.ToLower(v.ObjectID); id != "" {
				versions++
				if !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
	}
	var entries map[string]*zip.File
	switch {
	case len(ids) == 0:
	case c.batchFiles == 0:
		c.fallback(ctx, fallbackOff, versions, nil)
	default:
		var err error
		entries, err = c.blobsZip(ctx, r.ref, ids)
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case errors.Is(err, errZipTooLarge) && len(batch) > 1:
			half := len(batch) / 2
			trace.SpanFromContext(ctx).AddEvent("azdo.blobs.split", trace.WithAttributes(
				attribute.Int("azdo.blobs.groups", len(batch)), attribute.Int64("azdo.blobs.max_bytes", c.batchBytes)))
			if err := r.batch(ctx, batch[:half]); err != nil {
				return err
			}
			return r.batch(ctx, batch[half:])
		case errors.Is(err, errZipTooLarge):
			c.fallback(ctx, fallbackTooLarge, versions, err)
		case err != nil && !readByPathMayWork(err):
			return err
		case err != nil:
			c.fallback(ctx, fallbackFailed, versions, err)
		default:
			missing := 0
			for _, g := range batch {
				for _, v := range groups[g] {
					if v.ObjectID != "" && entries[strings.ToLower(v.ObjectID)] == nil {
						missing++
					}
				}
			}
			c.fallback(ctx, fallbackMissing, missing, nil)
		}
	}
	p := pool.New().WithContext(ctx).WithCancelOnError().WithFirstError().WithMaxGoroutines(r.parallel)
	for _, g := range batch {
		p.Go(func(ctx context.Context) error {
			files := make([]FileContent, len(groups[g]))
			for i, v := range groups[g] {
				var err error
				if files[i], err = c.readVersion(ctx, r.ref, v, entries); err != nil {
					return err
				}
			}
			return r.fn(g, files)
		})
	}
	return p.Wait()
}

// readByPathMayWork reports whether reads by path may succeed where the
// bulk read failed with err: after a server failure, a bulk route the
// server lacks or refuses (404, 400), an answer that is no zip. Not after
// throttling, which a read per version would multiply, nor after a
// credential or permission refusal, which each read would get again.
func readByPathMayWork(err error) bool {
	var cred *CredentialError
	if errors.As(err, &cred) {
		return false
	}
	if e, ok := AsError(err); ok {
		switch e.Kind {
		case KindTransient, KindNotFound, KindInvalid:
			return true
		}
		return false
	}
	return true
}

// readVersion reads one version from its zip entry, or by path when it
// has none or the entry cannot be read.
func (c *Client) readVersion(ctx context.Context, ref PullRequestRef, v FileVersion, entries map[string]*zip.File) (FileContent, error) {
	if e := entries[strings.ToLower(v.ObjectID)]; e != nil && v.ObjectID != "" {
		content, err := readEntry(e, c.maxBytes+1)
		if err == nil {
			return FileContent{Content: content, Found: true}, nil
		}
		c.fallback(ctx, fallbackMissing, 1, err)
	}
	content, found, err := c.FileAt(ctx, ref, v.Path, v.Commit)
	return FileContent{Content: content, Found: found}, err
}

// fallback records that n versions (none: nothing) are read one by one,
// and why.
func (c *Client) fallback(ctx context.Context, reason string, n int, err error) {
	if n == 0 {
		return
	}
	c.metrics.blobFallback(reason, n)
	attrs := []attribute.KeyValue{attribute.String("azdo.blobs.fallback", reason), attribute.Int("azdo.blobs.versions", n)}
	if err != nil {
		attrs = append(attrs, attribute.String("error.message", err.Error()))
	}
	trace.SpanFromContext(ctx).AddEvent("azdo.blobs.fallback", trace.WithAttributes(attrs...))
}

// blobsZip asks for the blobs ids (lower-case SHA-1s) in one zip and
// returns its entries by the blob id each holds; a blob the zip lacks is
// not in the map.
func (c *Client) blobsZip(ctx context.Context, ref PullRequestRef, ids []string) (map[string]*zip.File, error) {
	// A POST, but a read: resent on a 5xx or a timeout as a GET is.
	body, err := c.git.GetBlobsZip(withReadOnly(ctx), git.GetBlobsZipArgs{Project: &ref.Project, RepositoryId: &ref.RepositoryID, BlobIds: &ids})
	if err != nil {
		return nil, wrap("read blobs", err)
	}
	defer body.Close()
	spool, err := readSpool(body, c.batchBytes)
	if err != nil {
		return nil, wrap("read blobs", err)
	}
	zr, err := zip.NewReader(spool, spool.Size())
	if err != nil {
		return nil, wrap("read blobs", fmt.Errorf("the answer is not a zip: %w", err))
	}
	return matchEntries(zr, ids, c.maxBytes), nil
}

// matchEntries finds the entry of each wanted blob. How Azure DevOps names
// the entries is not documented: an entry whose name (its last path
// element, before any extension) is a wanted id holds that blob; any other
// entry of at most maxBytes is identified by its content's Git blob id.
func matchEntries(zr *zip.Reader, ids []string, maxBytes int64) map[string]*zip.File {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := make(map[string]*zip.File, len(ids))
	var unnamed []*zip.File
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name := entryBlobName(f.Name)
		if want[name] && out[name] == nil {
			out[name] = f
			continue
		}
		unnamed = append(unnamed, f)
	}
	for _, f := range unnamed {
		if len(out) == len(want) {
			break
		}
		content, err := readEntry(f, maxBytes+1)
		if err != nil || int64(len(content)) > maxBytes {
			continue
		}
		if id := blobID(content); want[id] && out[id] == nil {
			out[id] = f
		}
	}
	return out
}

// entryBlobName is the blob id an entry's name may give: its last path
// element before any extension, in lower case.
func entryBlobName(name string) string {
	base, _, _ := strings.Cut(path.Base(strings.ReplaceAll(name, `\`, "/")), ".")
	return strings.ToLower(base)
}

// readEntry decompresses at most limit bytes of an entry. An entry
// shorter than limit is read into a buffer of its size (archive/zip
// checks that size, and the checksum, as it reaches the end).
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	n := f.UncompressedSize64
	if n >= uint64(limit) {
		return io.ReadAll(io.LimitReader(rc, limit))
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, err
	}
	var more [1]byte
	switch _, err := io.ReadFull(rc, more[:]); {
	case err == nil:
		return nil, fmt.Errorf("zip entry %q is longer than its header says", f.Name)
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	return buf, nil
}

// blobID is Git's object id of a blob with content.
func blobID(content []byte) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(content)) + "\x00"))
	h.Write(content)
	return hex.EncodeToString(h.Sum(nil))
}

// spoolChunk is the size of a spool's chunks.
const spoolChunk = 64 << 10

// spool is a body held in memory in fixed chunks — no copy as it grows —
// for archive/zip, which needs an io.ReaderAt.
type spool struct {
	chunks [][]byte
	size   int64
}

// readSpool reads r to its end into a spool, failing with errZipTooLarge
// past limit bytes.
func readSpool(r io.Reader, limit int64) (*spool, error) {
	s := &spool{}
	for {
		chunk := make([]byte, spoolChunk)
		n, err := io.ReadFull(r, chunk)
		if n > 0 {
			if s.size+int64(n) > limit {
				return nil, fmt.Errorf("%w (%d bytes)", errZipTooLarge, limit)
			}
			s.chunks = append(s.chunks, chunk[:n])
			s.size += int64(n)
		}
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return s, nil
		case err != nil:
			return nil, err
		}
	}
}

// Size is the spool's length.
func (s *spool) Size() int64 { return s.size }

// ReadAt reads from the spool at off; it is safe for concurrent use.
func (s *spool) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("spool: negative offset")
	}
	n := 0
	for n < len(p) {
		if off >= s.size {
			return n, io.EOF
		}
		chunk := s.chunks[off/spoolChunk]
		m := copy(p[n:], chunk[off%spoolChunk:])
		n += m
		off += int64(m)
	}
	return n, nil
}
