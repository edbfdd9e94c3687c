package demo

import (
	"embed"
	"io/fs"
	"path"
)

// sampleFS holds the sample repository: the target branch (base) and the
// pull request's source branch (head). The directory starts with "_" so the
// Go tool does not treat the sample's own Go file as a package.
//
//go:embed all:_sample
var sampleFS embed.FS

// tree reads one side of the sample as path → content, paths starting
// with "/".
func tree(side string) (map[string]string, error) {
	root := path.Join("_sample", side)
	files := map[string]string{}
	err := fs.WalkDir(sampleFS, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sampleFS.ReadFile(p)
		if err != nil {
			return err
		}
		files[p[len(root):]] = string(b)
		return nil
	})
	return files, err
}
