package worker

import (
	"context"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// configCacheEntries bounds the .azreviewer.yaml files a worker keeps:
// at most repoconfig.MaxFileBytes each (a larger file is read every time,
// and found invalid), 4 MiB in all.
const configCacheEntries = 64

// configKey names one file version: a path at a commit of a repository
// of an organisation. What a commit holds never changes, so neither does
// the file's content, or its absence, under one key.
type configKey struct{ org, repository, commit string }

// configFile is a file's content at a commit, or its absence.
type configFile struct {
	data  []byte
	found bool
}

// configCache keeps the .azreviewer.yaml of the target commits this worker
// read, so that the reviews of pull requests into one target commit (each
// push of a pull request whose target branch did not move, every pull
// request opened against one commit of it) read it once. Only answers are
// kept: a read that failed is asked again.
type configCache struct {
	files *lru.Cache[configKey, configFile]
}

func newConfigCache() *configCache {
	files, _ := lru.New[configKey, configFile](configCacheEntries) // an error only for a size ≤ 0
	return &configCache{files: files}
}

// read returns .azreviewer.yaml at commit, from the cache or read by
// path (and kept when it is small enough to be valid).
func (c *configCache) read(ctx context.Context, az PullRequestReader, org string, ref azdo.PullRequestRef, commit string) ([]byte, bool, error) {
	key := configKey{org: strings.ToLower(org), repository: strings.ToLower(ref.RepositoryID), commit: strings.ToLower(commit)}
	if f, ok := c.files.Get(key); ok {
		return f.data, f.found, nil
	}
	data, found, err := az.FileAt(ctx, ref, "/"+repoconfig.FileName, commit)
	if err != nil {
		return nil, false, err
	}
	if len(data) <= repoconfig.MaxFileBytes {
		c.files.Add(key, configFile{data: data, found: found})
	}
	return data, found, nil
}
