package azdosim

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
)

// contentTypeZip is the Content-Type of a blobs zip.
const contentTypeZip = "application/zip"

// maxBlobsPerZip bounds the blob ids one blobs request may name in the
// simulator (the service's own bound is not documented).
const maxBlobsPerZip = 10000

// BlobsZipFault changes the blobs zip answers (POST …/blobs, GetBlobsZip),
// to test a client's fallback. The zero value changes nothing.
type BlobsZipFault struct {
	// Omit leaves every Omit-th requested blob (the 1st, the Omit+1-th, …)
	// out of each zip; 0 omits none.
	Omit int
	// EntryName names a blob's entry from its id; nil names it by the id
	// itself, as the simulator does by default (Azure DevOps' naming is
	// not documented; see doc.go).
	EntryName func(objectID string) string
	// Store keeps the entries uncompressed (zip's Store method) instead of
	// deflating them.
	Store bool
}

// SetBlobsZipFault sets the fault of the blobs zip answers until the next
// call; the zero value turns it off. Safe to call while serving.
func (s *Server) SetBlobsZipFault(f BlobsZipFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobsFault = f
}

// blobIDPattern is a blob id as the service takes it: a SHA-1 in hex.
var blobIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// blobsZip serves POST …/repositories/{repositoryId}/blobs (GetBlobsZip):
// the body is a JSON array of blob ids, the answer a zip (application/zip)
// holding one entry per distinct blob, in the order asked, named by its id
// (see BlobsZipFault). An id that is not a SHA-1 is a 400, a blob the
// repository does not have a 404; both are guesses at the service's
// answers.
func (c *call) blobsZip() (*response, error) {
	var ids []string
	if err := json.NewDecoder(c.r.Body).Decode(&ids); err != nil {
		return nil, errBadRequest("The request body must be a JSON array of blob ids: %s", err.Error())
	}
	if len(ids) == 0 {
		return nil, errBadRequest("The request body must name at least one blob id.")
	}
	if len(ids) > maxBlobsPerZip {
		return nil, errBadRequest("The request names %d blob ids; at most %d are allowed.", len(ids), maxBlobsPerZip)
	}
	type entry struct{ id, content string }
	var entries []entry
	c.s.mu.Lock()
	repo, err := c.repository()
	if err != nil {
		c.s.mu.Unlock()
		return nil, err
	}
	fault := c.s.blobsFault
	blobs := repo.blobsLocked()
	seen := map[string]bool{}
	for _, id := range ids {
		if !blobIDPattern.MatchString(id) {
			c.s.mu.Unlock()
			return nil, errBadRequest("The value '%s' is not a valid blob id.", id)
		}
		id = strings.ToLower(id)
		content, ok := blobs[id]
		if !ok {
			c.s.mu.Unlock()
			return nil, errBlobNotFound(id, repo.name)
		}
		if !seen[id] {
			seen[id] = true
			entries = append(entries, entry{id, content})
		}
	}
	c.s.mu.Unlock()

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, e := range entries {
		if fault.Omit > 0 && i%fault.Omit == 0 {
			continue
		}
		name := e.id
		if fault.EntryName != nil {
			name = fault.EntryName(e.id)
		}
		method := zip.Deflate
		if fault.Store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, e.content); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return &response{status: http.StatusOK, contentType: contentTypeZip, body: buf.Bytes()}, nil
}

// blobsLocked maps the id of every blob of the repository's commits to its
// content. Requires s.mu.
func (r *Repository) blobsLocked() map[string]string {
	out := map[string]string{}
	for _, c := range r.commits {
		for _, b := range c.files {
			out[b.objectID] = b.content
		}
	}
	return out
}
