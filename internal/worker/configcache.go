package worker

import (
	"context"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// configCacheEntries bounds the files a worker keeps: .azreviewer.yaml at
// most repoconfig.MaxFileBytes each (a larger file is read every time, and
// found invalid), a guidance file its first reviewer.MaxGuidanceChars+1
// bytes — 8 MiB in all.
const configCacheEntries = 128

// configKey names one file version: a path at a commit of a repository
// of an organisation. What a commit holds never changes, so neither does
// the file's content, or its absence, under one key.
type configKey struct{ org, repository, path, commit string }

// configFile is a file's content at a commit, or its absence.
type configFile struct {
	data  []byte
	found bool
}

// configCache keeps the .azreviewer.yaml and guidance files of the target
// commits this worker read, so that the reviews of pull requests into one
// target commit (each push of a pull request whose target branch did not
// move, every pull request opened against one commit of it) read them once.
// Only answers are kept: a read that failed is asked again.
type configCache struct {
	files *lru.Cache[configKey, configFile]
}

func newConfigCache() *configCache {
	files, _ := lru.New[configKey, configFile](configCacheEntries) // an error only for a size ≤ 0
	return &configCache{files: files}
}

// read returns path at commit, from the cache or read by path: its first
// keep+1 bytes are kept when that is all of it, or when cut is true (the
// caller uses no more).
func (c *configCache) read(ctx context.Context, az PullRequestReader, org string, ref azdo.PullRequestRef, path, commit string, keep int, cut bool) ([]byte, bool, error) {
	key := configKey{org: strings.ToLower(org), repository: strings.ToLower(ref.RepositoryID), path: path, commit: strings.ToLower(commit)}
	if f, ok := c.files.Get(key); ok {
		return f.data, f.found, nil
	}
	data, found, err := az.FileAt(ctx, ref, path, commit)
	if err != nil {
		return nil, false, err
	}
	switch {
	case len(data) <= keep:
		c.files.Add(key, configFile{data: data, found: found})
	case cut:
		data = data[:keep+1]
		c.files.Add(key, configFile{data: data, found: found})
	}
	return data, found, nil
}
