package azdotest

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strconv"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// ReadFiles answers each version from Files by its path and commit, as the
// client's bulk read answers it (by blob id, which names the same content),
// one group at a time, in order; FileError fails it. It records one call
// whatever the number of versions.
func (f *Fake) ReadFiles(_ context.Context, _ azdo.PullRequestRef, groups [][]azdo.FileVersion, _ int, fn func(group int, files []azdo.FileContent) error) error {
	answers, err := f.readFiles(groups)
	if err != nil {
		return err
	}
	for i, files := range answers {
		if err := fn(i, files); err != nil {
			return err
		}
	}
	return nil
}

// readFiles reads the groups under the lock; fn runs without it.
func (f *Fake) readFiles(groups [][]azdo.FileVersion) ([][]azdo.FileContent, error) {
	defer f.call("ReadFiles")()
	if f.FileError != nil {
		return nil, f.FileError
	}
	out := make([][]azdo.FileContent, len(groups))
	for i, g := range groups {
		out[i] = make([]azdo.FileContent, len(g))
		for j, v := range g {
			if content, ok := f.Files[v.Commit][v.Path]; ok {
				out[i][j] = azdo.FileContent{Content: []byte(content), Found: true}
			}
		}
	}
	return out, nil
}

// BlobID is Git's object id of a blob holding content, as iteration
// changes name file versions.
func BlobID(content string) string {
	h := sha1.New()
	h.Write([]byte("blob " + strconv.Itoa(len(content)) + "\x00" + content))
	return hex.EncodeToString(h.Sum(nil))
}
